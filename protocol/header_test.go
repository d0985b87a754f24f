package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/internal/javamap"
	"github.com/rocketsim/rocketsim/remoting"
)

func ptr[T any](v T) *T { return &v }

// decoder adapts a typed decoder for the table.
type decoder func(map[string]string) (Header, error)

func dec[T Header](decode func(map[string]string) (T, error)) decoder {
	return func(ext map[string]string) (Header, error) {
		h, err := decode(ext)
		return h, err
	}
}

// headerCase is one header with every field set and the extFields a Java peer writes for it.
type headerCase struct {
	name     string
	header   Header
	ext      map[string]string
	decode   decoder
	required []string // @CFNotNull in the 4.9.7 class
	numeric  []string // Integer/Long fields, which must be decimal
}

// headerCases lists every typed header with a sample; the request families in files of their
// own (send back, view message, admin, reply) add theirs.
func headerCases() []headerCase {
	return slices.Concat(coreHeaderCases(), sendBackHeaderCases(), adminHeaderCases(), replyHeaderCases(), aclHeaderCases())
}

func coreHeaderCases() []headerCase {
	return []headerCase{
		{
			name: "SendMessageRequestHeader",
			header: SendMessageRequestHeader{
				ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
				QueueID: 3, SysFlag: 769, BornTimestamp: 1795587237631, Flag: -7,
				Properties: "KEYS\x01K1\x02WAIT\x01true", ReconsumeTimes: ptr(int32(0)), UnitMode: true,
				Batch: true, MaxReconsumeTimes: ptr(int32(16)), BrokerName: "broker-a",
			},
			ext: map[string]string{
				"producerGroup": "pg", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
				"queueId": "3", "sysFlag": "769", "bornTimestamp": "1795587237631", "flag": "-7",
				"properties": "KEYS\x01K1\x02WAIT\x01true", "reconsumeTimes": "0", "unitMode": "true",
				"batch": "true", "maxReconsumeTimes": "16", "bname": "broker-a",
			},
			decode: dec(DecodeSendMessageRequestHeader),
			required: []string{"producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums", "queueId",
				"sysFlag", "bornTimestamp", "flag"},
			numeric: []string{"defaultTopicQueueNums", "queueId", "sysFlag", "bornTimestamp", "flag",
				"reconsumeTimes", "maxReconsumeTimes"},
		},
		{
			name: "SendMessageRequestHeader/nulls",
			header: SendMessageRequestHeader{
				ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
			},
			ext: map[string]string{
				"producerGroup": "pg", "topic": "T", "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
				"queueId": "0", "sysFlag": "0", "bornTimestamp": "0", "flag": "0", "unitMode": "false",
				"batch": "false",
			},
			decode: dec(DecodeSendMessageRequestHeader),
			required: []string{"producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums", "queueId",
				"sysFlag", "bornTimestamp", "flag"},
		},
		{
			name: "SendMessageRequestHeaderV2",
			header: SendMessageRequestHeaderV2{
				ProducerGroup: "pg", Topic: "T", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4,
				QueueID: 3, SysFlag: 0, BornTimestamp: 1795587237631, Flag: 0,
				Properties: "WAIT\x01true", ReconsumeTimes: ptr(int32(0)), UnitMode: false,
				Batch: true, MaxReconsumeTimes: ptr(int32(3)), BrokerName: "broker-a",
			},
			ext: map[string]string{
				"a": "pg", "b": "T", "c": "TBW102", "d": "4", "e": "3", "f": "0", "g": "1795587237631",
				"h": "0", "i": "WAIT\x01true", "j": "0", "k": "false", "l": "3", "m": "true", "n": "broker-a",
			},
			decode:   dec(DecodeSendMessageRequestHeaderV2),
			required: []string{"a", "b", "c", "d", "e", "f", "g", "h"},
			numeric:  []string{"d", "e", "f", "g", "h", "j", "l"},
		},
		{
			name: "SendMessageResponseHeader",
			header: SendMessageResponseHeader{
				MsgID: "7F000001000051AF0000000000008462", QueueID: 2, QueueOffset: 1 << 40,
				TransactionID: "tx", MsgRegion: "DefaultRegion", TraceOn: ptr(false),
			},
			ext: map[string]string{
				"msgId": "7F000001000051AF0000000000008462", "queueId": "2", "queueOffset": "1099511627776",
				"transactionId": "tx", "MSG_REGION": "DefaultRegion", "TRACE_ON": "false",
			},
			decode:   dec(DecodeSendMessageResponseHeader),
			required: []string{"msgId", "queueId", "queueOffset"},
			numeric:  []string{"queueId", "queueOffset"},
		},
		{
			name:     "GetRouteInfoRequestHeader",
			header:   GetRouteInfoRequestHeader{Topic: "T", AcceptStandardJSONOnly: ptr(true)},
			ext:      map[string]string{"topic": "T", "acceptStandardJsonOnly": "true"},
			decode:   dec(DecodeGetRouteInfoRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "GetRouteInfoRequestHeader/false",
			header:   GetRouteInfoRequestHeader{Topic: "T", AcceptStandardJSONOnly: ptr(false)},
			ext:      map[string]string{"topic": "T", "acceptStandardJsonOnly": "false"},
			decode:   dec(DecodeGetRouteInfoRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "UnregisterClientRequestHeader",
			header:   UnregisterClientRequestHeader{ClientID: "192.0.2.2@42", ProducerGroup: "pg", ConsumerGroup: "cg"},
			ext:      map[string]string{"clientID": "192.0.2.2@42", "producerGroup": "pg", "consumerGroup": "cg"},
			decode:   dec(DecodeUnregisterClientRequestHeader),
			required: []string{"clientID"},
		},
		{
			name: "RegisterBrokerRequestHeader",
			header: RegisterBrokerRequestHeader{
				BrokerName: "broker-a", BrokerAddr: "127.0.0.1:10911", ClusterName: "DefaultCluster",
				HAServerAddr: "127.0.0.1:10912", BrokerID: 1, Compressed: true, BodyCRC32: -123,
			},
			ext: map[string]string{
				"brokerName": "broker-a", "brokerAddr": "127.0.0.1:10911", "clusterName": "DefaultCluster",
				"haServerAddr": "127.0.0.1:10912", "brokerId": "1", "compressed": "true", "bodyCrc32": "-123",
			},
			decode:   dec(DecodeRegisterBrokerRequestHeader),
			required: []string{"brokerName", "brokerAddr", "clusterName", "haServerAddr", "brokerId"},
			numeric:  []string{"brokerId", "bodyCrc32"},
		},
		{
			name:   "RegisterBrokerResponseHeader",
			header: RegisterBrokerResponseHeader{HAServerAddr: "127.0.0.1:10912", MasterAddr: "127.0.0.1:10911"},
			ext:    map[string]string{"haServerAddr": "127.0.0.1:10912", "masterAddr": "127.0.0.1:10911"},
			decode: dec(DecodeRegisterBrokerResponseHeader),
		},
		{
			name:   "RegisterBrokerResponseHeader/master",
			header: RegisterBrokerResponseHeader{},
			ext:    map[string]string{},
			decode: dec(DecodeRegisterBrokerResponseHeader),
		},
		{
			name: "UnRegisterBrokerRequestHeader",
			header: UnRegisterBrokerRequestHeader{
				BrokerName: "broker-a", BrokerAddr: "127.0.0.1:10911", ClusterName: "DefaultCluster", BrokerID: 0,
			},
			ext: map[string]string{
				"brokerName": "broker-a", "brokerAddr": "127.0.0.1:10911", "clusterName": "DefaultCluster", "brokerId": "0",
			},
			decode:   dec(DecodeUnRegisterBrokerRequestHeader),
			required: []string{"brokerName", "brokerAddr", "clusterName", "brokerId"},
			numeric:  []string{"brokerId"},
		},
		{
			name: "PullMessageRequestHeader",
			header: PullMessageRequestHeader{
				ConsumerGroup: "cg", Topic: "T", QueueID: 1, QueueOffset: 100, MaxMsgNums: 32, SysFlag: 3,
				CommitOffset: 99, SuspendTimeoutMillis: 15000, Subscription: "TagA || TagB", SubVersion: 1700000000000,
				ExpressionType: "TAG", BrokerName: "broker-a",
			},
			ext: map[string]string{
				"consumerGroup": "cg", "topic": "T", "queueId": "1", "queueOffset": "100", "maxMsgNums": "32",
				"sysFlag": "3", "commitOffset": "99", "suspendTimeoutMillis": "15000", "subscription": "TagA || TagB",
				"subVersion": "1700000000000", "expressionType": "TAG", "bname": "broker-a",
			},
			decode: dec(DecodePullMessageRequestHeader),
			required: []string{"consumerGroup", "topic", "queueId", "queueOffset", "maxMsgNums", "sysFlag",
				"commitOffset", "suspendTimeoutMillis", "subVersion"},
			numeric: []string{"queueId", "queueOffset", "maxMsgNums", "sysFlag", "commitOffset",
				"suspendTimeoutMillis", "subVersion"},
		},
		{
			name:   "PullMessageResponseHeader",
			header: PullMessageResponseHeader{SuggestWhichBrokerID: 1, NextBeginOffset: 132, MinOffset: 0, MaxOffset: 200},
			ext: map[string]string{
				"suggestWhichBrokerId": "1", "nextBeginOffset": "132", "minOffset": "0", "maxOffset": "200",
			},
			decode:   dec(DecodePullMessageResponseHeader),
			required: []string{"suggestWhichBrokerId", "nextBeginOffset", "minOffset", "maxOffset"},
			numeric:  []string{"suggestWhichBrokerId", "nextBeginOffset", "minOffset", "maxOffset"},
		},
		{
			name:     "QueryConsumerOffsetRequestHeader",
			header:   QueryConsumerOffsetRequestHeader{ConsumerGroup: "cg", Topic: "T", QueueID: 2, BrokerName: "broker-a"},
			ext:      map[string]string{"consumerGroup": "cg", "topic": "T", "queueId": "2", "bname": "broker-a"},
			decode:   dec(DecodeQueryConsumerOffsetRequestHeader),
			required: []string{"consumerGroup", "topic", "queueId"},
			numeric:  []string{"queueId"},
		},
		{
			name:     "QueryConsumerOffsetResponseHeader",
			header:   QueryConsumerOffsetResponseHeader{Offset: 42},
			ext:      map[string]string{"offset": "42"},
			decode:   dec(DecodeOffsetResponseHeader),
			required: []string{"offset"},
			numeric:  []string{"offset"},
		},
		{
			name: "UpdateConsumerOffsetRequestHeader",
			header: UpdateConsumerOffsetRequestHeader{
				ConsumerGroup: "cg", Topic: "T", QueueID: 2, CommitOffset: 43,
			},
			ext:      map[string]string{"consumerGroup": "cg", "topic": "T", "queueId": "2", "commitOffset": "43"},
			decode:   dec(DecodeUpdateConsumerOffsetRequestHeader),
			required: []string{"consumerGroup", "topic", "queueId", "commitOffset"},
			numeric:  []string{"queueId", "commitOffset"},
		},
		{
			name:     "GetMaxOffsetRequestHeader",
			header:   GetMaxOffsetRequestHeader{Topic: "T", QueueID: 5, BrokerName: "broker-b"},
			ext:      map[string]string{"topic": "T", "queueId": "5", "bname": "broker-b"},
			decode:   dec(DecodeGetMaxOffsetRequestHeader),
			required: []string{"topic", "queueId"},
			numeric:  []string{"queueId"},
		},
		{
			name:     "GetMaxOffsetResponseHeader",
			header:   GetMaxOffsetResponseHeader{Offset: 1<<62 + 1},
			ext:      map[string]string{"offset": "4611686018427387905"},
			decode:   dec(DecodeOffsetResponseHeader),
			required: []string{"offset"},
			numeric:  []string{"offset"},
		},
		{
			name:     "GetMinOffsetRequestHeader",
			header:   GetMinOffsetRequestHeader{Topic: "T", QueueID: 0},
			ext:      map[string]string{"topic": "T", "queueId": "0"},
			decode:   dec(DecodeGetMinOffsetRequestHeader),
			required: []string{"topic", "queueId"},
			numeric:  []string{"queueId"},
		},
		{
			name:     "GetMinOffsetResponseHeader",
			header:   GetMinOffsetResponseHeader{Offset: -1},
			ext:      map[string]string{"offset": "-1"},
			decode:   dec(DecodeOffsetResponseHeader),
			required: []string{"offset"},
		},
		{
			name:     "SearchOffsetRequestHeader",
			header:   SearchOffsetRequestHeader{Topic: "T", QueueID: 1, Timestamp: 1795587237631, BrokerName: "broker-a"},
			ext:      map[string]string{"topic": "T", "queueId": "1", "timestamp": "1795587237631", "bname": "broker-a"},
			decode:   dec(DecodeSearchOffsetRequestHeader),
			required: []string{"topic", "queueId", "timestamp"},
			numeric:  []string{"queueId", "timestamp"},
		},
		{
			name:     "SearchOffsetResponseHeader",
			header:   SearchOffsetResponseHeader{Offset: 7},
			ext:      map[string]string{"offset": "7"},
			decode:   dec(DecodeOffsetResponseHeader),
			required: []string{"offset"},
		},
		{
			name:     "GetConsumerListByGroupRequestHeader",
			header:   GetConsumerListByGroupRequestHeader{ConsumerGroup: "cg"},
			ext:      map[string]string{"consumerGroup": "cg"},
			decode:   dec(DecodeGetConsumerListByGroupRequestHeader),
			required: []string{"consumerGroup"},
		},
		{
			name: "EndTransactionRequestHeader",
			header: EndTransactionRequestHeader{
				ProducerGroup: "pg", TranStateTableOffset: 12, CommitLogOffset: 34567,
				CommitOrRollback: CommitOrRollbackCommit, FromTransactionCheck: true,
				MsgID: "C0000202...", TransactionID: "tx-1", BrokerName: "broker-a",
			},
			ext: map[string]string{
				"producerGroup": "pg", "tranStateTableOffset": "12", "commitLogOffset": "34567",
				"commitOrRollback": "8", "fromTransactionCheck": "true", "msgId": "C0000202...",
				"transactionId": "tx-1", "bname": "broker-a",
			},
			decode:   dec(DecodeEndTransactionRequestHeader),
			required: []string{"producerGroup", "tranStateTableOffset", "commitLogOffset", "commitOrRollback", "msgId"},
			numeric:  []string{"tranStateTableOffset", "commitLogOffset", "commitOrRollback"},
		},
		{
			name: "CheckTransactionStateRequestHeader",
			header: CheckTransactionStateRequestHeader{
				TranStateTableOffset: 12, CommitLogOffset: 34567, MsgID: "C0000202...", TransactionID: "tx-1",
				OffsetMsgID: "7F000001000051AF0000000000008462", BrokerName: "broker-a",
			},
			ext: map[string]string{
				"tranStateTableOffset": "12", "commitLogOffset": "34567", "msgId": "C0000202...",
				"transactionId": "tx-1", "offsetMsgId": "7F000001000051AF0000000000008462", "bname": "broker-a",
			},
			decode:   dec(DecodeCheckTransactionStateRequestHeader),
			required: []string{"tranStateTableOffset", "commitLogOffset"},
			numeric:  []string{"tranStateTableOffset", "commitLogOffset"},
		},
		{
			name:     "GetKVConfigRequestHeader",
			header:   GetKVConfigRequestHeader{Namespace: "ORDER_TOPIC_CONFIG", Key: "T"},
			ext:      map[string]string{"namespace": "ORDER_TOPIC_CONFIG", "key": "T"},
			decode:   dec(DecodeGetKVConfigRequestHeader),
			required: []string{"namespace", "key"},
		},
		{
			name:   "GetKVConfigResponseHeader",
			header: GetKVConfigResponseHeader{Value: "broker-a:4;broker-b:4"},
			ext:    map[string]string{"value": "broker-a:4;broker-b:4"},
			decode: dec(DecodeGetKVConfigResponseHeader),
		},
		{
			name:     "PutKVConfigRequestHeader",
			header:   PutKVConfigRequestHeader{Namespace: "ORDER_TOPIC_CONFIG", Key: "T", Value: "broker-a:4"},
			ext:      map[string]string{"namespace": "ORDER_TOPIC_CONFIG", "key": "T", "value": "broker-a:4"},
			decode:   dec(DecodePutKVConfigRequestHeader),
			required: []string{"namespace", "key", "value"},
		},
		{
			name:     "DeleteKVConfigRequestHeader",
			header:   DeleteKVConfigRequestHeader{Namespace: "ORDER_TOPIC_CONFIG", Key: "T"},
			ext:      map[string]string{"namespace": "ORDER_TOPIC_CONFIG", "key": "T"},
			decode:   dec(DecodeDeleteKVConfigRequestHeader),
			required: []string{"namespace", "key"},
		},
		{
			name: "CreateTopicRequestHeader",
			header: CreateTopicRequestHeader{
				Topic: "T", DefaultTopic: "TBW102", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 6,
				TopicFilterType: SingleTag, TopicSysFlag: ptr(int32(0)), Order: false,
			},
			ext: map[string]string{
				"topic": "T", "defaultTopic": "TBW102", "readQueueNums": "8", "writeQueueNums": "8", "perm": "6",
				"topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false",
			},
			decode: dec(DecodeCreateTopicRequestHeader),
			required: []string{"topic", "defaultTopic", "readQueueNums", "writeQueueNums", "perm",
				"topicFilterType", "order"},
			numeric: []string{"readQueueNums", "writeQueueNums", "perm", "topicSysFlag"},
		},
		{
			name: "QueryDataVersionRequestHeader",
			header: QueryDataVersionRequestHeader{
				BrokerName: "broker-a", BrokerAddr: "127.0.0.1:10911", ClusterName: "DefaultCluster", BrokerID: 2,
			},
			ext: map[string]string{
				"brokerName": "broker-a", "brokerAddr": "127.0.0.1:10911", "clusterName": "DefaultCluster", "brokerId": "2",
			},
			decode:   dec(DecodeQueryDataVersionRequestHeader),
			required: []string{"brokerName", "brokerAddr", "clusterName", "brokerId"},
			numeric:  []string{"brokerId"},
		},
		{
			name:     "QueryDataVersionResponseHeader",
			header:   QueryDataVersionResponseHeader{Changed: true},
			ext:      map[string]string{"changed": "true"},
			decode:   dec(DecodeQueryDataVersionResponseHeader),
			required: []string{"changed"},
		},
		{
			name:     "NotifyConsumerIdsChangedRequestHeader",
			header:   NotifyConsumerIdsChangedRequestHeader{ConsumerGroup: "cg"},
			ext:      map[string]string{"consumerGroup": "cg"},
			decode:   dec(DecodeNotifyConsumerIdsChangedRequestHeader),
			required: []string{"consumerGroup"},
		},
		{
			name:     "GetKVListByNamespaceRequestHeader",
			header:   GetKVListByNamespaceRequestHeader{Namespace: "ORDER_TOPIC_CONFIG"},
			ext:      map[string]string{"namespace": "ORDER_TOPIC_CONFIG"},
			decode:   dec(DecodeGetKVListByNamespaceRequestHeader),
			required: []string{"namespace"},
		},
	}
}

// adminHeaderCases are the headers of mqadmin's requests (headers_admin.go).
func adminHeaderCases() []headerCase {
	return []headerCase{
		{
			name:     "DeleteTopicRequestHeader",
			header:   DeleteTopicRequestHeader{Topic: "T"},
			ext:      map[string]string{"topic": "T"},
			decode:   dec(DecodeDeleteTopicRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "DeleteTopicFromNamesrvRequestHeader",
			header:   DeleteTopicFromNamesrvRequestHeader{Topic: "T", ClusterName: "DefaultCluster"},
			ext:      map[string]string{"topic": "T", "clusterName": "DefaultCluster"},
			decode:   dec(DecodeDeleteTopicFromNamesrvRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "DeleteTopicFromNamesrvRequestHeader/every cluster",
			header:   DeleteTopicFromNamesrvRequestHeader{Topic: "T"},
			ext:      map[string]string{"topic": "T"},
			decode:   dec(DecodeDeleteTopicFromNamesrvRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "GetProducerConnectionListRequestHeader",
			header:   GetProducerConnectionListRequestHeader{ProducerGroup: "pg"},
			ext:      map[string]string{"producerGroup": "pg"},
			decode:   dec(DecodeGetProducerConnectionListRequestHeader),
			required: []string{"producerGroup"},
		},
		{
			name:   "GetAllProducerInfoRequestHeader",
			header: GetAllProducerInfoRequestHeader{},
			ext:    map[string]string{},
			decode: dec(DecodeGetAllProducerInfoRequestHeader),
		},
		{
			name: "QueryConsumeQueueRequestHeader",
			header: QueryConsumeQueueRequestHeader{Topic: "T", QueueID: 3, Index: 1 << 40, Count: 10,
				ConsumerGroup: "cg"},
			ext: map[string]string{"topic": "T", "queueId": "3", "index": "1099511627776", "count": "10",
				"consumerGroup": "cg"},
			decode:  dec(DecodeQueryConsumeQueueRequestHeader),
			numeric: []string{"queueId", "index", "count"},
		},
		{
			name:    "QueryConsumeQueueRequestHeader/without group",
			header:  QueryConsumeQueueRequestHeader{Topic: "T", Index: -1},
			ext:     map[string]string{"topic": "T", "queueId": "0", "index": "-1", "count": "0"},
			decode:  dec(DecodeQueryConsumeQueueRequestHeader),
			numeric: []string{"queueId", "index", "count"},
		},
		{
			name:     "GetConsumerConnectionListRequestHeader",
			header:   GetConsumerConnectionListRequestHeader{ConsumerGroup: "cg"},
			ext:      map[string]string{"consumerGroup": "cg"},
			decode:   dec(DecodeGetConsumerConnectionListRequestHeader),
			required: []string{"consumerGroup"},
		},
		{
			name:     "GetBrokerConfigResponseHeader",
			header:   GetBrokerConfigResponseHeader{Version: `{"counter":2,"timestamp":1700000000000}`},
			ext:      map[string]string{"version": `{"counter":2,"timestamp":1700000000000}`},
			decode:   dec(DecodeGetBrokerConfigResponseHeader),
			required: []string{"version"},
		},
		{
			name:     "WritePermOfBrokerRequestHeader",
			header:   WritePermOfBrokerRequestHeader{BrokerName: "broker-a"},
			ext:      map[string]string{"brokerName": "broker-a"},
			decode:   dec(DecodeWritePermOfBrokerRequestHeader),
			required: []string{"brokerName"},
		},
		{
			name:     "QueryTopicConsumeByWhoRequestHeader",
			header:   QueryTopicConsumeByWhoRequestHeader{Topic: "T"},
			ext:      map[string]string{"topic": "T"},
			decode:   dec(DecodeQueryTopicConsumeByWhoRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "QueryMessageRequestHeader",
			header:   QueryMessageRequestHeader{Topic: "T", Key: "k1", MaxNum: 32, BeginTimestamp: 0, EndTimestamp: 1700000000000},
			ext:      map[string]string{"topic": "T", "key": "k1", "maxNum": "32", "beginTimestamp": "0", "endTimestamp": "1700000000000"},
			decode:   dec(DecodeQueryMessageRequestHeader),
			required: []string{"topic", "key", "maxNum", "beginTimestamp", "endTimestamp"},
			numeric:  []string{"maxNum", "beginTimestamp", "endTimestamp"},
		},
		{
			name:     "QueryMessageResponseHeader",
			header:   QueryMessageResponseHeader{IndexLastUpdateTimestamp: 1700000000000, IndexLastUpdatePhyoffset: 603},
			ext:      map[string]string{"indexLastUpdateTimestamp": "1700000000000", "indexLastUpdatePhyoffset": "603"},
			decode:   dec(DecodeQueryMessageResponseHeader),
			required: []string{"indexLastUpdateTimestamp", "indexLastUpdatePhyoffset"},
			numeric:  []string{"indexLastUpdateTimestamp", "indexLastUpdatePhyoffset"},
		},
		{
			name:     "GetTopicStatsInfoRequestHeader",
			header:   GetTopicStatsInfoRequestHeader{Topic: "T"},
			ext:      map[string]string{"topic": "T"},
			decode:   dec(DecodeGetTopicStatsInfoRequestHeader),
			required: []string{"topic"},
		},
		{
			name:     "GetConsumeStatsRequestHeader",
			header:   GetConsumeStatsRequestHeader{ConsumerGroup: "cg", Topic: "T"},
			ext:      map[string]string{"consumerGroup": "cg", "topic": "T"},
			decode:   dec(DecodeGetConsumeStatsRequestHeader),
			required: []string{"consumerGroup"},
		},
		{
			name:     "GetTopicsByClusterRequestHeader",
			header:   GetTopicsByClusterRequestHeader{Cluster: "DefaultCluster"},
			ext:      map[string]string{"cluster": "DefaultCluster"},
			decode:   dec(DecodeGetTopicsByClusterRequestHeader),
			required: []string{"cluster"},
		},
		{
			name:     "ViewBrokerStatsDataRequestHeader",
			header:   ViewBrokerStatsDataRequestHeader{StatsName: StatsTopicPutNums, StatsKey: "T"},
			ext:      map[string]string{"statsName": "TOPIC_PUT_NUMS", "statsKey": "T"},
			decode:   dec(DecodeViewBrokerStatsDataRequestHeader),
			required: []string{"statsName", "statsKey"},
		},
		{
			name:     "GetConsumeStatsInBrokerHeader",
			header:   GetConsumeStatsInBrokerHeader{IsOrder: true},
			ext:      map[string]string{"isOrder": "true"},
			decode:   dec(DecodeGetConsumeStatsInBrokerHeader),
			required: []string{"isOrder"},
		},
		{
			name:     "DeleteSubscriptionGroupRequestHeader",
			header:   DeleteSubscriptionGroupRequestHeader{GroupName: "cg", RemoveOffset: true},
			ext:      map[string]string{"groupName": "cg", "removeOffset": "true"},
			decode:   dec(DecodeDeleteSubscriptionGroupRequestHeader),
			required: []string{"groupName"},
		},
		{
			name:     "ResetOffsetRequestHeader",
			header:   ResetOffsetRequestHeader{Topic: "T", Group: "cg", Timestamp: 1700000000000, IsForce: true},
			ext:      map[string]string{"topic": "T", "group": "cg", "timestamp": "1700000000000", "isForce": "true"},
			decode:   dec(DecodeResetOffsetRequestHeader),
			required: []string{"topic", "group", "timestamp", "isForce"},
			numeric:  []string{"timestamp"},
		},
		{
			name:     "GetConsumerStatusRequestHeader",
			header:   GetConsumerStatusRequestHeader{Topic: "T", Group: "cg", ClientAddr: "192.0.2.1@1"},
			ext:      map[string]string{"topic": "T", "group": "cg", "clientAddr": "192.0.2.1@1"},
			decode:   dec(DecodeGetConsumerStatusRequestHeader),
			required: []string{"topic", "group"},
		},
		{
			name:     "GetConsumerRunningInfoRequestHeader",
			header:   GetConsumerRunningInfoRequestHeader{ConsumerGroup: "cg", ClientID: "192.0.2.1@1", JstackEnable: true},
			ext:      map[string]string{"consumerGroup": "cg", "clientId": "192.0.2.1@1", "jstackEnable": "true"},
			decode:   dec(DecodeGetConsumerRunningInfoRequestHeader),
			required: []string{"consumerGroup", "clientId"},
		},
		{
			name: "ConsumeMessageDirectlyResultRequestHeader",
			header: ConsumeMessageDirectlyResultRequestHeader{ConsumerGroup: "cg", ClientID: "192.0.2.1@1",
				MsgID: "C0000201000028A90000000000000000", BrokerName: "broker-a"},
			ext: map[string]string{"consumerGroup": "cg", "clientId": "192.0.2.1@1",
				"msgId": "C0000201000028A90000000000000000", "brokerName": "broker-a"},
			decode:   dec(DecodeConsumeMessageDirectlyResultRequestHeader),
			required: []string{"consumerGroup"},
		},
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	for _, tc := range headerCases() {
		t.Run(tc.name, func(t *testing.T) {
			require.Empty(t, cmp.Diff(tc.ext, tc.header.ToExt()), "ToExt")

			got, err := tc.decode(tc.ext)
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.header, got), "decode")

			// WriteExt keeps what a processor already put into extFields.
			ext := map[string]string{"other": "kept"}
			tc.header.WriteExt(ext)
			want := maps.Clone(tc.ext)
			want["other"] = "kept"
			require.Empty(t, cmp.Diff(want, ext))

			got, err = tc.decode(ext)
			require.NoError(t, err, "unknown keys are ignored")
			require.Empty(t, cmp.Diff(tc.header, got))
		})
	}
}

func TestHeadersMissingRequiredField(t *testing.T) {
	for _, tc := range headerCases() {
		t.Run(tc.name, func(t *testing.T) {
			for key := range tc.ext {
				ext := maps.Clone(tc.ext)
				delete(ext, key)
				_, err := tc.decode(ext)
				if !slices.Contains(tc.required, key) {
					require.NoError(t, err, "%s is optional", key)
					continue
				}
				var he *HeaderError
				require.ErrorAs(t, err, &he, key)
				require.Equal(t, FieldMissing, he.Kind)
				require.Equal(t, key, he.Field)
				require.Equal(t, "the custom field <"+key+"> is null", err.Error())
			}
		})
	}
}

func TestHeadersMalformedNumber(t *testing.T) {
	for _, tc := range headerCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, key := range tc.numeric {
				for _, bad := range []string{"", "x", "1.5", " 1", "99999999999999999999"} {
					ext := maps.Clone(tc.ext)
					ext[key] = bad
					_, err := tc.decode(ext)
					var he *HeaderError
					require.ErrorAs(t, err, &he, "%s=%q", key, bad)
					require.Equal(t, FieldMalformed, he.Kind)
					require.Equal(t, key, he.Field)
					require.Equal(t, bad, he.Value)
					require.Contains(t, err.Error(), "<"+key+">")
				}
			}
		})
	}
}

// Every key a header writes must be in HeaderFields, or the codec cannot order it as Java does.
func TestHeaderFieldsListEveryKey(t *testing.T) {
	for _, tc := range headerCases() {
		t.Run(tc.name, func(t *testing.T) {
			fields := tc.header.HeaderFields()
			for key := range tc.ext {
				if key == FieldMsgRegion || key == FieldTraceOn {
					continue // added by the broker beside the header, not a field of it
				}
				require.Contains(t, fields, key)
			}
			require.Len(t, fields, len(slices.Compact(slices.Sorted(slices.Values(fields)))), "duplicates")
		})
	}
}

func TestDecodeKeepsWhatParsed(t *testing.T) {
	h, err := DecodeSendMessageRequestHeaderV2(map[string]string{
		"a": "pg", "c": "TBW102", "d": "4", "e": "zz", "g": "17", "h": "0", "f": "0", "n": "broker-a",
	})
	var he *HeaderError
	require.ErrorAs(t, err, &he)
	require.Equal(t, "b", he.Field, "the first problem in Java's field order is reported")
	require.Equal(t, "SendMessageRequestHeaderV2", he.Header)
	require.Equal(t, SendMessageRequestHeaderV2{
		ProducerGroup: "pg", DefaultTopic: "TBW102", DefaultTopicQueueNums: 4, BornTimestamp: 17, BrokerName: "broker-a",
	}, h)
}

func TestDecodeNumbersAndBooleansLikeJava(t *testing.T) {
	base := map[string]string{"clientID": "c", "consumerGroup": "cg", "topic": "T"}
	for _, tc := range []struct {
		value   string
		want    int32
		wantErr bool
	}{
		{"0", 0, false},
		{"+5", 5, false},  // Integer.parseInt takes a plus sign
		{"-0", 0, false},  //
		{"007", 7, false}, // and leading zeros
		{"2147483647", 2147483647, false},
		{"-2147483648", -2147483648, false},
		{"2147483648", 0, true},
		{"0x10", 0, true},
		{"1_000", 0, true},
		{"5 ", 0, true},
	} {
		ext := maps.Clone(base)
		ext["queueId"] = tc.value
		h, err := DecodeQueryConsumerOffsetRequestHeader(ext)
		if tc.wantErr {
			require.Error(t, err, tc.value)
			require.Equal(t, `the custom field <queueId> is not a valid Integer: "`+tc.value+`"`, err.Error())
			continue
		}
		require.NoError(t, err, tc.value)
		require.Equal(t, tc.want, h.QueueID, tc.value)
	}

	// Boolean.parseBoolean: "true" in any case, anything else is false and never an error.
	for value, want := range map[string]bool{"true": true, "TRUE": true, "True": true, "false": false, "yes": false, "1": false, "": false} {
		h, err := DecodeGetRouteInfoRequestHeader(map[string]string{"topic": "T", "acceptStandardJsonOnly": value})
		require.NoError(t, err)
		require.Equal(t, want, *h.AcceptStandardJSONOnly, value)
	}
}

func TestCheckFieldsErrors(t *testing.T) {
	t.Run("commitOrRollback", func(t *testing.T) {
		ext := EndTransactionRequestHeader{ProducerGroup: "pg", MsgID: "m", CommitOrRollback: 4}.ToExt()
		_, err := DecodeEndTransactionRequestHeader(ext)
		var he *HeaderError
		require.ErrorAs(t, err, &he)
		require.Equal(t, FieldInvalid, he.Kind)
		require.Equal(t, "commitOrRollback field wrong", err.Error())
		for _, ok := range []int32{CommitOrRollbackNone, CommitOrRollbackCommit, CommitOrRollbackRollback} {
			ext[FieldCommitOrRollback] = ""
			putInt32(ext, FieldCommitOrRollback, ok)
			_, err := DecodeEndTransactionRequestHeader(ext)
			require.NoError(t, err)
		}
	})
	t.Run("topicFilterType", func(t *testing.T) {
		ext := CreateTopicRequestHeader{Topic: "T", DefaultTopic: "TBW102", TopicFilterType: "SINGLE"}.ToExt()
		_, err := DecodeCreateTopicRequestHeader(ext)
		var he *HeaderError
		require.ErrorAs(t, err, &he)
		require.Equal(t, FieldInvalid, he.Kind)
		require.Equal(t, "topicFilterType = [SINGLE] value invalid", err.Error())
		ext[FieldTopicFilterType] = string(MultiTag)
		_, err = DecodeCreateTopicRequestHeader(ext)
		require.NoError(t, err)
	})
}

func TestSetHeader(t *testing.T) {
	resp := &remoting.Command{Code: remoting.Success, Flag: remoting.FlagResponse}
	resp.SetExt(FieldMsgRegion, "DefaultRegion")
	SetHeader(resp, SendMessageResponseHeader{MsgID: "ID", QueueID: 1, QueueOffset: 2})
	require.Equal(t, map[string]string{"MSG_REGION": "DefaultRegion", "msgId": "ID", "queueId": "1", "queueOffset": "2"}, resp.ExtFields)
	require.True(t, resp.FastHeader)
	require.Equal(t, []string{"msgId", "queueId", "queueOffset", "transactionId"}, resp.HeaderFields)

	req := RequestWithHeader(remoting.CodeGetRouteInfoByTopic, GetRouteInfoRequestHeader{Topic: "T"}, nil)
	require.Equal(t, remoting.CodeGetRouteInfoByTopic, req.Code)
	require.Equal(t, map[string]string{"topic": "T"}, req.ExtFields)
	require.False(t, req.FastHeader)
	require.ElementsMatch(t, []string{"topic", "acceptStandardJsonOnly"}, req.HeaderFields)
}

// Java's HashSet<Field> order, worked out by hand for a class whose fields collide: the two
// orders below differ only where Field.hashCode puts fields into one bucket.
func TestJavaFieldSetOrder(t *testing.T) {
	order := javaFieldSetOrder(javaClass{"x.Y", []string{"a", "b", "c"}})
	require.ElementsMatch(t, []string{"a", "b", "c"}, order)

	// Two fields whose name hashes are equal ("Aa" and "BB") land in one bucket and keep
	// declaration order, whichever comes first.
	require.Equal(t, javamap.HashCode("Aa"), javamap.HashCode("BB"))
	require.Equal(t, []string{"Aa", "BB"}, javaFieldSetOrder(javaClass{"x.Y", []string{"Aa", "BB"}}))
	require.Equal(t, []string{"BB", "Aa"}, javaFieldSetOrder(javaClass{"x.Y", []string{"BB", "Aa"}}))
}

// ---- golden frames ----

// goldenExt returns a frame's extFields and their order on the wire, without the remoting codec.
func goldenExt(t *testing.T, f golden.Frame) (map[string]string, []string) {
	t.Helper()
	if f.SerializeType == "JSON" {
		var top struct {
			ExtFields map[string]string `json:"extFields"`
		}
		require.NoError(t, json.Unmarshal(f.HeaderJSON, &top))
		var raw struct {
			ExtFields json.RawMessage `json:"extFields"`
		}
		require.NoError(t, json.Unmarshal(f.HeaderJSON, &raw))
		var order []string
		if len(raw.ExtFields) > 0 {
			d := json.NewDecoder(bytes.NewReader(raw.ExtFields))
			_, err := d.Token()
			require.NoError(t, err)
			for d.More() {
				k, err := d.Token()
				require.NoError(t, err)
				order = append(order, k.(string))
				_, err = d.Token()
				require.NoError(t, err)
			}
		}
		return top.ExtFields, order
	}
	var top struct {
		ExtFields map[string]string `json:"extFields"`
	}
	require.NoError(t, json.Unmarshal(f.HeaderDecoded, &top))
	// binary: code(2) lang(1) version(2) opaque(4) flag(4) remarkLen(4) remark extLen(4) ext
	h := f.Header()
	p := 13
	p += 4 + int(binary.BigEndian.Uint32(h[p:]))
	end := p + 4 + int(binary.BigEndian.Uint32(h[p:]))
	p += 4
	var order []string
	for p < end {
		kl := int(binary.BigEndian.Uint16(h[p:]))
		order = append(order, string(h[p+2:p+2+kl]))
		p += 2 + kl
		p += 4 + int(binary.BigEndian.Uint32(h[p:]))
	}
	return top.ExtFields, order
}

// javaWireOrder is the order in which a Java peer writes ext carrying header h.
func javaWireOrder(ext map[string]string, h Header, serializeType string) []string {
	if serializeType == "ROCKETMQ" && h.FastHeader() {
		var order []string
		rest := maps.Clone(ext)
		for _, k := range h.HeaderFields() {
			if _, ok := ext[k]; ok {
				order = append(order, k)
				delete(rest, k)
			}
		}
		return javamap.Keys(rest, nil, order)
	}
	return javamap.Keys(ext, h.HeaderFields(), nil)
}

func isSendCase(name string) bool {
	for _, suffix := range []string{"-sync-send", "-async-send", "-batch-send", "-compressed-send", "-oneway-send"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

func TestGoldenHeaders(t *testing.T) {
	seen := map[string]int{}
	for _, f := range golden.Load(t) {
		var decode decoder
		var check func(t *testing.T, h Header)
		switch {
		case f.Kind != "response" && f.Code == remoting.CodeGetRouteInfoByTopic:
			decode = dec(DecodeGetRouteInfoRequestHeader)
			check = func(t *testing.T, h Header) {
				topic := h.(GetRouteInfoRequestHeader).Topic
				require.Contains(t, []string{"TBW102", "GoldenTopic", "GoldenNoSuchTopic", "GoldenBinTopic", "GoldenGoTopic"}, topic)
				require.Nil(t, h.(GetRouteInfoRequestHeader).AcceptStandardJSONOnly)
			}
		case f.Kind != "response" && f.Code == remoting.CodeSendMessage:
			decode = dec(DecodeSendMessageRequestHeader)
			check = func(t *testing.T, h Header) {
				v1 := h.(SendMessageRequestHeader)
				require.Equal(t, "golden_go_pg", v1.ProducerGroup)
				require.Equal(t, "GoldenGoTopic", v1.Topic)
				require.Equal(t, "TBW102", v1.DefaultTopic)
				require.EqualValues(t, 4, v1.DefaultTopicQueueNums)
				require.Equal(t, ptr(int32(0)), v1.MaxReconsumeTimes)
				require.Contains(t, v1.Properties, "KEYS\x01K1\x02")
				require.Empty(t, v1.BrokerName, "the Go client sends no bname")
			}
		case f.Kind != "response" && (f.Code == remoting.CodeSendMessageV2 || f.Code == remoting.CodeSendBatchMessage):
			decode = dec(DecodeSendMessageRequestHeaderV2)
			check = func(t *testing.T, h Header) {
				v2 := h.(SendMessageRequestHeaderV2)
				require.Equal(t, "golden_pg", v2.ProducerGroup)
				require.Contains(t, []string{"GoldenTopic", "GoldenBinTopic"}, v2.Topic)
				require.Equal(t, "broker-a", v2.BrokerName)
				require.Equal(t, f.Code == remoting.CodeSendBatchMessage, v2.Batch)
				require.Greater(t, v2.BornTimestamp, int64(1_700_000_000_000))
				require.Nil(t, v2.MaxReconsumeTimes)
				if f.Case == "java-compressed-send" {
					require.EqualValues(t, 769, v2.SysFlag)
				}
				v1, err := DecodeSendMessageRequest(f.Code, v2.ToExt())
				require.NoError(t, err)
				require.Equal(t, v2.V1(), v1)
			}
		case f.Kind == "response" && isSendCase(f.Case):
			decode = dec(DecodeSendMessageResponseHeader)
			check = func(t *testing.T, h Header) {
				r := h.(SendMessageResponseHeader)
				require.Equal(t, "DefaultRegion", r.MsgRegion)
				require.Equal(t, ptr(true), r.TraceOn)
				wantIDs := 1
				if strings.HasSuffix(f.Case, "-batch-send") {
					wantIDs = 3
				}
				ids := strings.Split(r.MsgID, ",")
				require.Len(t, ids, wantIDs)
				for _, id := range ids {
					require.Len(t, id, 32)
					require.True(t, strings.HasPrefix(id, "7F000001000051AF"), "store host 127.0.0.1:20911")
				}
			}
		case f.Kind != "response" && f.Code == remoting.CodeUnregisterClient:
			decode = dec(DecodeUnregisterClientRequestHeader)
			check = func(t *testing.T, h Header) {
				u := h.(UnregisterClientRequestHeader)
				require.Equal(t, "192.0.2.2@golden", u.ClientID)
				require.Contains(t, []string{"golden_pg", "CLIENT_INNER_PRODUCER"}, u.ProducerGroup)
				require.Empty(t, u.ConsumerGroup)
			}
		case f.Kind != "response" && f.Code == remoting.CodeRegisterBroker:
			decode = dec(DecodeRegisterBrokerRequestHeader)
			check = func(t *testing.T, h Header) {
				r := h.(RegisterBrokerRequestHeader)
				require.Equal(t, "broker-a", r.BrokerName)
				require.Equal(t, "DefaultCluster", r.ClusterName)
				require.Zero(t, r.BrokerID)
				require.False(t, r.Compressed)
				require.Equal(t, BodyCRC32(f.Body()), r.BodyCRC32)
				require.True(t, strings.HasPrefix(r.HAServerAddr, "192.0.2.2:"))
			}
		case f.Kind == "response" && strings.HasSuffix(f.Case, "-register-broker"):
			decode = dec(DecodeRegisterBrokerResponseHeader)
			check = func(t *testing.T, h Header) {
				require.Equal(t, RegisterBrokerResponseHeader{}, h, "a master gets no HA or master address")
			}
		case f.Kind != "response" && f.Code == remoting.CodeUnregisterBroker:
			decode = dec(DecodeUnRegisterBrokerRequestHeader)
			check = func(t *testing.T, h Header) {
				require.Equal(t, UnRegisterBrokerRequestHeader{
					BrokerName: "broker-a", BrokerAddr: "127.0.0.1:30911", ClusterName: "DefaultCluster",
				}, h)
			}
		default:
			continue
		}
		seen[f.Case]++
		t.Run(f.Name(), func(t *testing.T) {
			ext, wireOrder := goldenExt(t, f)
			h, err := decode(ext)
			require.NoError(t, err)
			check(t, h)
			reencoded := h.ToExt()
			if ext == nil {
				ext = map[string]string{} // Java leaves extFields out when the header is empty
			}
			require.Empty(t, cmp.Diff(ext, reencoded))
			if !strings.HasPrefix(f.From, "go-client") {
				require.Equal(t, wireOrder, javaWireOrder(reencoded, h, f.SerializeType), "key order")
			}
		})
	}
	// every case the brief names was reached
	for _, c := range []string{
		"java-route", "java-route-topic-not-exist", "java-sync-send", "java-async-send", "java-oneway-send",
		"java-batch-send", "java-compressed-send", "java-unregister", "broker-register-broker",
		"broker-register-broker-oneway", "java-binary-route", "java-binary-sync-send", "java-binary-unregister",
		"go-route", "go-sync-send", "broker-restart-register-broker", "broker-restart-unregister-broker",
	} {
		require.NotZero(t, seen[c], c)
	}
}

func TestHeaderErrorIsMatchable(t *testing.T) {
	_, err := DecodeGetRouteInfoRequestHeader(nil)
	var he *HeaderError
	require.True(t, errors.As(err, &he))
	require.Equal(t, "GetRouteInfoRequestHeader", he.Header)
	require.Equal(t, "the custom field <topic> is null", err.Error())

	_, err = DecodeGetRouteInfoRequestHeader(map[string]string{"topic": ""})
	require.NoError(t, err, "an empty required field is present; the broker's checks judge it")
}

// The orders a JVM (OpenJDK 17) gives getClazzFields' HashSet for stand-in classes with the
// 4.9.7 names and fields; Field.hashCode depends on nothing else.
func TestHeaderFieldsMatchJVM(t *testing.T) {
	for _, tc := range []struct {
		header Header
		jvm    string
	}{
		{SendMessageRequestHeader{}, "producerGroup maxReconsumeTimes properties bname bornTimestamp topic sysFlag reconsumeTimes flag queueId defaultTopic defaultTopicQueueNums unitMode batch"},
		{GetRouteInfoRequestHeader{}, "topic acceptStandardJsonOnly"},
		{RegisterBrokerRequestHeader{}, "brokerName brokerAddr haServerAddr compressed clusterName brokerId bodyCrc32"},
		{RegisterBrokerResponseHeader{}, "haServerAddr masterAddr"},
		{UnRegisterBrokerRequestHeader{}, "clusterName brokerId brokerName brokerAddr"},
		{QueryDataVersionRequestHeader{}, "brokerName brokerAddr clusterName brokerId"},
		{GetKVConfigRequestHeader{}, "namespace key"},
		{PutKVConfigRequestHeader{}, "namespace value key"},
		{DeleteKVConfigRequestHeader{}, "namespace key"},
		{DeleteTopicFromNamesrvRequestHeader{}, "topic clusterName"},
		{UnregisterClientRequestHeader{}, "consumerGroup clientID producerGroup"},
		{CreateTopicRequestHeader{}, "readQueueNums perm writeQueueNums topicFilterType topic defaultTopic topicSysFlag order"},
		{QueryConsumerOffsetRequestHeader{}, "consumerGroup topic bname queueId"},
		{UpdateConsumerOffsetRequestHeader{}, "topic consumerGroup queueId bname commitOffset"},
		{GetMaxOffsetRequestHeader{}, "queueId topic bname"},
		{GetMinOffsetRequestHeader{}, "topic queueId bname"},
		{SearchOffsetRequestHeader{}, "timestamp topic bname queueId"},
		{EndTransactionRequestHeader{}, "fromTransactionCheck transactionId msgId tranStateTableOffset commitOrRollback commitLogOffset bname producerGroup"},
		{CheckTransactionStateRequestHeader{}, "commitLogOffset transactionId bname tranStateTableOffset offsetMsgId msgId"},
		{ReplyMessageRequestHeader{}, "topic bornTimestamp storeHost properties producerGroup unitMode defaultTopicQueueNums defaultTopic bornHost queueId flag sysFlag reconsumeTimes storeTimestamp"},
	} {
		require.Equal(t, tc.jvm, strings.Join(tc.header.HeaderFields(), " "), "%T", tc.header)
	}
}

func TestRouteHeaderStandardJSONOnly(t *testing.T) {
	require.False(t, GetRouteInfoRequestHeader{Topic: "T"}.StandardJSONOnly())
	require.False(t, GetRouteInfoRequestHeader{Topic: "T", AcceptStandardJSONOnly: ptr(false)}.StandardJSONOnly())
	require.True(t, GetRouteInfoRequestHeader{Topic: "T", AcceptStandardJSONOnly: ptr(true)}.StandardJSONOnly())
}

// aclHeaderCases are the headers of the ACL admin codes 50 to 54 (acl.go).
func aclHeaderCases() []headerCase {
	return []headerCase{
		{
			name: "CreateAccessConfigRequestHeader",
			header: CreateAccessConfigRequestHeader{AccessKey: "newuser1", SecretKey: "secret123", WhiteRemoteAddress: "10.0.0.*",
				Admin: true, DefaultTopicPerm: "DENY", DefaultGroupPerm: "SUB", TopicPerms: "a=PUB,b=SUB", GroupPerms: "g=SUB"},
			ext: map[string]string{"accessKey": "newuser1", "secretKey": "secret123", "whiteRemoteAddress": "10.0.0.*", "admin": "true",
				"defaultTopicPerm": "DENY", "defaultGroupPerm": "SUB", "topicPerms": "a=PUB,b=SUB", "groupPerms": "g=SUB"},
			decode: func(ext map[string]string) (Header, error) {
				h, _, err := DecodeCreateAccessConfigRequestHeader(ext)
				return h, err
			},
			required: []string{"accessKey"},
		},
		{
			name:     "DeleteAccessConfigRequestHeader",
			header:   DeleteAccessConfigRequestHeader{AccessKey: "newuser1"},
			ext:      map[string]string{"accessKey": "newuser1"},
			decode:   dec(DecodeDeleteAccessConfigRequestHeader),
			required: []string{"accessKey"},
		},
		{
			name:     "UpdateGlobalWhiteAddrsConfigRequestHeader",
			header:   UpdateGlobalWhiteAddrsConfigRequestHeader{GlobalWhiteAddrs: "10.0.0.1,10.0.1.*", ACLFileFullPath: "/home/rmq/conf/plain_acl.yml"},
			ext:      map[string]string{"globalWhiteAddrs": "10.0.0.1,10.0.1.*", "aclFileFullPath": "/home/rmq/conf/plain_acl.yml"},
			decode:   dec(DecodeUpdateGlobalWhiteAddrsConfigRequestHeader),
			required: []string{"globalWhiteAddrs", "aclFileFullPath"},
		},
		{
			name: "GetBrokerACLConfigResponseHeader",
			header: GetBrokerACLConfigResponseHeader{Version: `{"counter":1,"timestamp":1}`,
				AllACLFileVersion: `{"/c/plain_acl.yml":{"counter":1,"timestamp":1}}`, BrokerName: "broker-a",
				BrokerAddr: "127.0.0.1:10911", ClusterName: "DefaultCluster"},
			ext: map[string]string{"version": `{"counter":1,"timestamp":1}`,
				"allAclFileVersion": `{"/c/plain_acl.yml":{"counter":1,"timestamp":1}}`, "brokerName": "broker-a",
				"brokerAddr": "127.0.0.1:10911", "clusterName": "DefaultCluster"},
			decode:   dec(DecodeGetBrokerACLConfigResponseHeader),
			required: []string{"version", "brokerName", "brokerAddr", "clusterName"},
		},
	}
}

// parseDecimal is strconv.ParseInt in base 10, its short way for plain digits included.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "007", "123456789", "1234567890", "2147483647", "2147483648", "-1", "+5",
		"999999999999999999", "9223372036854775807", "9223372036854775808", "", "1_0", "12a", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, bits := range []int{32, 64} {
			want, wantErr := strconv.ParseInt(s, 10, bits)
			got, err := parseDecimal(s, bits)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Fatalf("parseDecimal(%q, %d) = %d, %v; strconv: %d, %v", s, bits, got, err, want, wantErr)
			}
		}
	})
}
