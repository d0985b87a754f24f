package protocol

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
)

// javaClusterInfo is ClusterInfo.encode() of tables filled the way RouteInfoManager fills them
// (see the note on vectors in route_test.go). Like the old route encoding, it has bare numeric
// keys: the 4.9.7 name server has no standard-JSON variant for 106. Every map comes out in Java
// hash order, including the brokerIds 0, 16, 1 (ids 0 and 16 share a bucket).
const javaClusterInfo = `{"brokerAddrTable":{` +
	`"broker-d":{"brokerAddrs":{0:"broker-d:10911",16:"broker-d:10931",1:"broker-d:10921"},"brokerName":"broker-d","cluster":"DefaultCluster"},` +
	`"broker-e":{"brokerAddrs":{0:"broker-e:10911",16:"broker-e:10931",1:"broker-e:10921"},"brokerName":"broker-e","cluster":"ClusterB"},` +
	`"broker-b":{"brokerAddrs":{0:"broker-b:10911",16:"broker-b:10931",1:"broker-b:10921"},"brokerName":"broker-b","cluster":"DefaultCluster"},` +
	`"broker-c":{"brokerAddrs":{0:"broker-c:10911",16:"broker-c:10931",1:"broker-c:10921"},"brokerName":"broker-c","cluster":"DefaultCluster"},` +
	`"broker-a":{"brokerAddrs":{0:"broker-a:10911",16:"broker-a:10931",1:"broker-a:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}},` +
	`"clusterAddrTable":{"ClusterB":["broker-e"],"DefaultCluster":["broker-d","broker-b","broker-c","broker-a"]}}`

func javaClusterInfoValue() *ClusterInfo {
	c := &ClusterInfo{BrokerAddrTable: map[string]BrokerData{}, ClusterAddrTable: map[string][]string{}}
	for _, name := range []string{"broker-a", "broker-b", "broker-c", "broker-d", "broker-e"} {
		cluster := "DefaultCluster"
		if name == "broker-e" {
			cluster = "ClusterB"
		}
		c.ClusterAddrTable[cluster] = append(c.ClusterAddrTable[cluster], name)
		c.BrokerAddrTable[name] = BrokerData{Cluster: cluster, BrokerName: name, BrokerAddrs: map[int64]string{
			0: name + ":10911", 1: name + ":10921", 16: name + ":10931"}}
	}
	return c
}

func TestClusterInfoMatchesJava(t *testing.T) {
	require.Equal(t, javaClusterInfo, string(javaClusterInfoValue().Encode()))

	got, err := DecodeClusterInfo([]byte(javaClusterInfo))
	require.NoError(t, err)
	// Cluster members are a set: compare them in one order.
	got.ClusterAddrTable["DefaultCluster"] = []string{"broker-a", "broker-b", "broker-c", "broker-d"}
	require.Empty(t, cmp.Diff(javaClusterInfoValue(), got))

	again, err := DecodeClusterInfo(got.Encode())
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(got, again, cmpopts.SortSlices(func(a, b string) bool { return a < b })))
}

func TestClusterInfoEncodeEmpty(t *testing.T) {
	require.Equal(t, `{"brokerAddrTable":{},"clusterAddrTable":{}}`, string((&ClusterInfo{}).Encode()))
}

func TestDecodeClusterInfoLenient(t *testing.T) {
	in := `{"clusterAddrTable":{'c':["b"]},"extra":{},"brokerAddrTable":{"b":{"brokerAddrs":{"0":"x:1","1":"x:2"},"brokerName":"b","cluster":"c"}},}`
	got, err := DecodeClusterInfo([]byte(in))
	require.NoError(t, err)
	require.Equal(t, &ClusterInfo{
		BrokerAddrTable:  map[string]BrokerData{"b": {Cluster: "c", BrokerName: "b", BrokerAddrs: map[int64]string{0: "x:1", 1: "x:2"}}},
		ClusterAddrTable: map[string][]string{"c": {"b"}},
	}, got)
}

func TestDecodeClusterInfoRejectsJunk(t *testing.T) {
	for _, in := range []string{``, `null`, `{"brokerAddrTable":[]}`, `{"brokerAddrTable":{"b":{"brokerAddrs":{x:"y"}}}}`, `{"clusterAddrTable":{"c":"b"}}`, `{"brokerAddrTable":{}`} {
		_, err := DecodeClusterInfo([]byte(in))
		require.Error(t, err, "%q", in)
	}
}

func TestBrokerAddrsOfCluster(t *testing.T) {
	c := javaClusterInfoValue()
	c.ClusterAddrTable["DefaultCluster"] = append(c.ClusterAddrTable["DefaultCluster"], "gone")
	var want []string
	for _, name := range []string{"broker-a", "broker-b", "broker-c", "broker-d"} {
		for _, port := range []int{10911, 10921, 10931} {
			want = append(want, fmt.Sprintf("%s:%d", name, port))
		}
	}
	require.Equal(t, want, c.BrokerAddrsOfCluster("DefaultCluster"))
	require.Equal(t, []string{"broker-e:10911", "broker-e:10921", "broker-e:10931"}, c.BrokerAddrsOfCluster("ClusterB"))
	require.Empty(t, c.BrokerAddrsOfCluster("nope"))
}
