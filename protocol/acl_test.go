package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// The body of GET_BROKER_CLUSTER_ACL_CONFIG as a real 4.9.7 broker wrote it for the distribution's
// example file (realrmq's TestDifferentialACL): fastjson's alphabetical properties, nulls left
// out, admin always there.
const realClusterACLConfig = `{"globalWhiteAddrs":[],"plainAccessConfigs":[{"accessKey":"RocketMQ","admin":false,"defaultGroupPerm":"SUB","defaultTopicPerm":"DENY","groupPerms":["groupA=DENY","groupB=PUB|SUB","groupC=SUB"],"secretKey":"12345678","topicPerms":["topicA=DENY","topicB=PUB|SUB","topicC=SUB"]},{"accessKey":"rocketmq2","admin":true,"secretKey":"12345678","whiteRemoteAddress":"192.168.1.*"}]}`

func TestClusterACLConfigRoundTrip(t *testing.T) {
	want := &ClusterACLConfig{GlobalWhiteAddrs: []string{}, PlainAccessConfigs: []PlainAccessConfig{
		{AccessKey: "RocketMQ", SecretKey: "12345678", DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB",
			TopicPerms: []string{"topicA=DENY", "topicB=PUB|SUB", "topicC=SUB"}, GroupPerms: []string{"groupA=DENY", "groupB=PUB|SUB", "groupC=SUB"}},
		{AccessKey: "rocketmq2", SecretKey: "12345678", WhiteRemoteAddress: "192.168.1.*", Admin: true},
	}}
	got, err := DecodeClusterACLConfig([]byte(realClusterACLConfig))
	require.NoError(t, err)
	require.Empty(t, cmp.Diff(want, got))
	require.Equal(t, realClusterACLConfig, string(want.Encode()))
}

func TestACLFileVersions(t *testing.T) {
	require.Equal(t, `{"/home/rmq/conf/plain_acl.yml":{"counter":3,"timestamp":1700000000000}}`,
		EncodeACLFileVersions(map[string]DataVersion{"/home/rmq/conf/plain_acl.yml": {Counter: 3, Timestamp: 1700000000000}}))
	require.Equal(t, `{}`, EncodeACLFileVersions(nil))
	got, err := DecodeACLFileVersions(`{"/home/rmq/conf/plain_acl.yml":{"counter":3,"timestamp":1700000000000}}`)
	require.NoError(t, err)
	require.Equal(t, map[string]DataVersion{"/home/rmq/conf/plain_acl.yml": {Counter: 3, Timestamp: 1700000000000}}, got)
}

// The request headers leave out what Java leaves null, and the decoder tells a field sent empty
// from one left out, which 4.9.7's merge of an update depends on.
func TestCreateAccessConfigRequestHeader(t *testing.T) {
	h := CreateAccessConfigRequestHeader{AccessKey: "newuser1", SecretKey: "secret123", TopicPerms: "a=PUB,b=SUB"}
	ext := h.ToExt()
	require.Equal(t, map[string]string{"accessKey": "newuser1", "secretKey": "secret123", "admin": "false", "topicPerms": "a=PUB,b=SUB"}, ext)
	ext["whiteRemoteAddress"] = ""
	got, present, err := DecodeCreateAccessConfigRequestHeader(ext)
	require.NoError(t, err)
	require.Equal(t, h, got)
	require.Equal(t, CreateAccessConfigPresence{SecretKey: true, WhiteRemoteAddress: true, TopicPerms: true}, present)

	_, _, err = DecodeCreateAccessConfigRequestHeader(map[string]string{})
	require.EqualError(t, err, "the custom field <accessKey> is null")
}
