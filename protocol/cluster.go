package protocol

import (
	"maps"
	"slices"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// ClusterInfo is the name server's answer to GET_BROKER_CLUSTER_INFO (106).
type ClusterInfo struct {
	BrokerAddrTable  map[string]BrokerData // broker name -> its addresses
	ClusterAddrTable map[string][]string   // cluster name -> broker names
}

// The name server's RouteInfoManager tables, whose capacities decide the order fastjson writes.
const (
	brokerAddrTableCapacity  = 128
	clusterAddrTableCapacity = 32
)

// Encode writes the cluster info as the 4.9.7 name server does (plain fastjson): its hash maps
// in Java iteration order, each BrokerData's addresses in the order of the name server's own
// HashMap<Long,String>, and each cluster's broker names in HashSet order.
func (c *ClusterInfo) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"brokerAddrTable":{`)
	names := JavaHashMapOrder(javaStringKeys(c.BrokerAddrTable), brokerAddrTableCapacity)
	for i, name := range names {
		w.mapKey(i, name)
		b := c.BrokerAddrTable[name]
		w.brokerData(&b, javamap.HashMapTableSize(16, len(b.BrokerAddrs)))
	}
	w.raw(`},"clusterAddrTable":{`)
	clusters := JavaHashMapOrder(javaStringKeys(c.ClusterAddrTable), clusterAddrTableCapacity)
	for i, cluster := range clusters {
		w.mapKey(i, cluster)
		brokers := slices.Clone(c.ClusterAddrTable[cluster])
		slices.SortFunc(brokers, javamap.Compare)
		w.stringList(JavaHashMapOrder(brokers, 16))
	}
	w.raw(`}}`)
	return w.buf
}

// DecodeClusterInfo reads a cluster info body; brokerAddrs keys may be bare or quoted.
func DecodeClusterInfo(data []byte) (*ClusterInfo, error) {
	c := &ClusterInfo{}
	err := fjDecode(data, "ClusterInfo", func(r *fjReader) error {
		return r.Object(func(key string) error {
			switch key {
			case "brokerAddrTable":
				c.BrokerAddrTable = map[string]BrokerData{}
				return r.Object(func(name string) error {
					b, err := r.brokerData()
					c.BrokerAddrTable[name] = b
					return err
				})
			case "clusterAddrTable":
				var err error
				c.ClusterAddrTable, err = r.stringListMap()
				return err
			default:
				return r.Skip()
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// BrokerAddrsOfCluster returns the addresses of every broker of the cluster, as Java's
// ClusterInfo.retrieveAllAddrByCluster does (the admin tools' way to reach a cluster).
func (c *ClusterInfo) BrokerAddrsOfCluster(cluster string) []string {
	var addrs []string
	for _, name := range c.ClusterAddrTable[cluster] {
		b, ok := c.BrokerAddrTable[name]
		if !ok {
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(b.BrokerAddrs)) {
			addrs = append(addrs, b.BrokerAddrs[id])
		}
	}
	return addrs
}
