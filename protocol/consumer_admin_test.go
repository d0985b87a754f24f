package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
)

// The want strings are what rocketmq-common 4.9.7 and fastjson 1.2.69 write for the same values
// (a Java program run against the Maven Central jars).

const (
	javaSubscriptionGroupDefault = `{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}`
	javaSubscriptionGroup        = `{"brokerId":1,"consumeBroadcastEnable":true,"consumeEnable":false,"consumeFromMinEnable":true,"groupName":"cg","notifyConsumerIdsChangedEnable":false,"retryMaxTimes":5,"retryQueueNums":3,"whichBrokerWhenConsumeSlowly":2}`
	javaSubscriptionGroupTable   = `{"dataVersion":{"counter":3,"timestamp":1700000000000},"subscriptionGroupTable":{"SELF_TEST_C_GROUP":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"SELF_TEST_C_GROUP","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"CID_ONSAPI_OWNER":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"CID_ONSAPI_OWNER","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"CID_ONSAPI_PERMISSION":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"CID_ONSAPI_PERMISSION","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"TOOLS_CONSUMER":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"TOOLS_CONSUMER","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"CID_ONS-HTTP-PROXY":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"CID_ONS-HTTP-PROXY","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"diff-cg":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"diff-cg","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"FILTERSRV_CONSUMER":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"FILTERSRV_CONSUMER","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"CID_ONSAPI_PULL":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"CID_ONSAPI_PULL","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1},"zz":{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,"groupName":"zz","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}}}`
	javaResetOffsetBody          = `{"offsetTable":{{"brokerName":"broker-a","queueId":6,"topic":"DiffTopic"}:18,{"brokerName":"broker-a","queueId":5,"topic":"DiffTopic"}:15,{"brokerName":"broker-a","queueId":4,"topic":"DiffTopic"}:12,{"brokerName":"broker-a","queueId":3,"topic":"DiffTopic"}:9,{"brokerName":"broker-a","queueId":2,"topic":"DiffTopic"}:6,{"brokerName":"broker-a","queueId":1,"topic":"DiffTopic"}:3,{"brokerName":"broker-a","queueId":0,"topic":"DiffTopic"}:0,{"brokerName":"broker-a","queueId":7,"topic":"DiffTopic"}:21}}`
	javaResetOffsetBodyForC      = `{"offsetTable":[{"brokerName":"broker-a","offset":18,"queueId":6,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":15,"queueId":5,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":12,"queueId":4,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":9,"queueId":3,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":6,"queueId":2,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":3,"queueId":1,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":0,"queueId":0,"topic":"DiffTopic"},{"brokerName":"broker-a","offset":21,"queueId":7,"topic":"DiffTopic"}]}`
	javaConsumerStatus           = `{"consumerTable":{"127.0.0.1@diff":{{"brokerName":"broker-a","queueId":3,"topic":"U"}:7,{"brokerName":"broker-a","queueId":0,"topic":"T"}:1,{"brokerName":"broker-b","queueId":1,"topic":"T"}:2},"192.0.2.1@1":{}},"messageQueueTable":{{"brokerName":"broker-a","queueId":3,"topic":"U"}:7,{"brokerName":"broker-a","queueId":0,"topic":"T"}:1,{"brokerName":"broker-b","queueId":1,"topic":"T"}:2}}`
	javaDirectlyDefault          = `{"autoCommit":true,"order":false,"spentTimeMills":0}`
	javaDirectly                 = `{"autoCommit":true,"consumeResult":"CR_LATER","order":true,"remark":"x","spentTimeMills":12}`
	javaOffsetMovedEvent         = `{"consumerGroup":"cg","messageQueue":{"brokerName":"broker-a","queueId":1,"topic":"T"},"offsetNew":1,"offsetRequest":5}`
	javaRunningInfo              = `{"mqTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"cachedMsgCount":0,"cachedMsgMaxOffset":0,"cachedMsgMinOffset":0,"cachedMsgSizeInMiB":0,"commitOffset":0,"droped":false,"lastConsumeTimestamp":0,"lastLockTimestamp":0,"lastPullTimestamp":0,"locked":false,"transactionMsgCount":0,"transactionMsgMaxOffset":0,"transactionMsgMinOffset":0,"tryUnlockTimes":0},{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"cachedMsgCount":2,"cachedMsgMaxOffset":0,"cachedMsgMinOffset":0,"cachedMsgSizeInMiB":0,"commitOffset":3,"droped":false,"lastConsumeTimestamp":0,"lastLockTimestamp":0,"lastPullTimestamp":1700000000001,"locked":true,"transactionMsgCount":0,"transactionMsgMaxOffset":0,"transactionMsgMinOffset":0,"tryUnlockTimes":0}},"properties":{"PROP_CONSUMER_START_TIMESTAMP":"v-PROP_CONSUMER_START_TIMESTAMP","PROP_CONSUME_TYPE":"v-PROP_CONSUME_TYPE","adjustThreadPoolNumsThreshold":"v-adjustThreadPoolNumsThreshold","pullBatchSize":"v-pullBatchSize","PROP_CLIENT_VERSION":"v-PROP_CLIENT_VERSION","PROP_NAMESERVER_ADDR":"v-PROP_NAMESERVER_ADDR","consumeThreadMax":"v-consumeThreadMax","PROP_THREADPOOL_CORE_SIZE":"v-PROP_THREADPOOL_CORE_SIZE","PROP_CONSUMEORDERLY":"v-PROP_CONSUMEORDERLY","messageModel":"v-messageModel","consumeThreadMin":"v-consumeThreadMin","consumerGroup":"v-consumerGroup"},"statusTable":{"T":{"consumeFailedMsgs":4,"consumeFailedTPS":0.0,"consumeOKTPS":100.0,"consumeRT":1.0E-4,"pullRT":1.5,"pullTPS":1.23456789E7}},"subscriptionSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":18,"tagsSet":[],"topic":"%RETRY%cg"},{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":17,"tagsSet":[],"topic":"T"}]}`
	javaOffsetFile               = "{\n\t\"offsetTable\":{{\n\t\t\t\"brokerName\":\"broker-a\",\n\t\t\t\"queueId\":1,\n\t\t\t\"topic\":\"T\"\n\t\t}:7,{\n\t\t\t\"brokerName\":\"broker-a\",\n\t\t\t\"queueId\":0,\n\t\t\t\"topic\":\"T\"\n\t\t}:5,{\n\t\t\t\"brokerName\":\"broker-b\",\n\t\t\t\"queueId\":0,\n\t\t\t\"topic\":\"T\"\n\t\t}:0\n\t}\n}"
	javaOffsetFileEmpty          = "{\n\t\"offsetTable\":{}\n}"
	javaLockOrder                = `{"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"DiffOrderTopic"},{"brokerName":"broker-a","queueId":1,"topic":"DiffOrderTopic"},{"brokerName":"broker-a","queueId":2,"topic":"DiffOrderTopic"},{"brokerName":"broker-a","queueId":3,"topic":"DiffOrderTopic"},{"brokerName":"broker-a","queueId":4,"topic":"DiffOrderTopic"}]}`
)

func diffQueue(q int32) MessageQueue {
	return MessageQueue{Topic: "DiffTopic", BrokerName: "broker-a", QueueID: q}
}

func sampleRunningInfo() *ConsumerRunningInfo {
	props := map[string]string{}
	for _, k := range []string{"consumerGroup", "messageModel", "PROP_NAMESERVER_ADDR", "PROP_THREADPOOL_CORE_SIZE",
		"PROP_CONSUMEORDERLY", "PROP_CONSUME_TYPE", "PROP_CLIENT_VERSION", "PROP_CONSUMER_START_TIMESTAMP",
		"pullBatchSize", "consumeThreadMin", "consumeThreadMax", "adjustThreadPoolNumsThreshold"} {
		props[k] = "v-" + k
	}
	return &ConsumerRunningInfo{
		Properties: props,
		SubscriptionSet: []SubscriptionData{
			{Topic: "T", SubString: "*", SubVersion: 17, ExpressionType: ExpressionTypeTag, TagsSet: []string{}, CodeSet: []int32{}},
			{Topic: "%RETRY%cg", SubString: "*", SubVersion: 18, ExpressionType: ExpressionTypeTag, TagsSet: []string{}, CodeSet: []int32{}},
		},
		MQTable: map[MessageQueue]ProcessQueueInfo{
			{Topic: "T", BrokerName: "broker-a", QueueID: 1}: {CommitOffset: 3, CachedMsgCount: 2, Locked: true, LastPullTimestamp: 1700000000001},
			{Topic: "T", BrokerName: "broker-a", QueueID: 0}: {},
		},
		StatusTable: map[string]ConsumeStatus{
			"T": {PullRT: 1.5, PullTPS: 12345678.9, ConsumeRT: 0.0001, ConsumeOKTPS: 100, ConsumeFailedMsgs: 4},
		},
	}
}

func TestConsumerAdminBodiesMatchJava(t *testing.T) {
	offsets := map[MessageQueue]int64{}
	for q := range int32(8) {
		offsets[diffQueue(q)] = int64(q) * 3
	}
	statusTable := map[MessageQueue]int64{
		{Topic: "T", BrokerName: "broker-a", QueueID: 0}: 1, {Topic: "T", BrokerName: "broker-b", QueueID: 1}: 2,
		{Topic: "U", BrokerName: "broker-a", QueueID: 3}: 7,
	}
	named := NewSubscriptionGroupConfig("cg")
	named.ConsumeEnable, named.RetryQueueNums, named.RetryMaxTimes = false, 3, 5
	named.BrokerID, named.WhichBrokerWhenConsumeSlowly, named.NotifyConsumerIDsChangedEnable = 1, 2, false
	table := map[string]SubscriptionGroupConfig{}
	for _, g := range []string{"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP", "CID_ONS-HTTP-PROXY",
		"CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION", "CID_ONSAPI_OWNER", "diff-cg", "zz"} {
		table[g] = NewSubscriptionGroupConfig(g)
	}
	for _, tc := range []struct {
		name   string
		value  interface{ Encode() []byte }
		want   string
		decode func([]byte) (any, error)
	}{
		{"SubscriptionGroupConfig defaults", ptr(NewSubscriptionGroupConfig("")), javaSubscriptionGroupDefault,
			func(b []byte) (any, error) { return DecodeSubscriptionGroupConfig(b) }},
		{"SubscriptionGroupConfig", &named, javaSubscriptionGroup,
			func(b []byte) (any, error) { return DecodeSubscriptionGroupConfig(b) }},
		{"SubscriptionGroupWrapper in ConcurrentHashMap order", &SubscriptionGroupWrapper{
			SubscriptionGroupTable: table, DataVersion: DataVersion{Timestamp: 1700000000000, Counter: 3},
		}, javaSubscriptionGroupTable, func(b []byte) (any, error) { return DecodeSubscriptionGroupWrapper(b) }},
		{"ResetOffsetBody in HashMap order", &ResetOffsetBody{OffsetTable: offsets}, javaResetOffsetBody,
			func(b []byte) (any, error) { return DecodeResetOffsetBody(b) }},
		{"GetConsumerStatusBody", &GetConsumerStatusBody{
			MessageQueueTable: statusTable,
			ConsumerTable:     map[string]map[MessageQueue]int64{"127.0.0.1@diff": statusTable, "192.0.2.1@1": {}},
		}, javaConsumerStatus, func(b []byte) (any, error) { return DecodeGetConsumerStatusBody(b) }},
		{"ConsumeMessageDirectlyResult defaults", &ConsumeMessageDirectlyResult{AutoCommit: true}, javaDirectlyDefault,
			func(b []byte) (any, error) { return DecodeConsumeMessageDirectlyResult(b) }},
		{"ConsumeMessageDirectlyResult", &ConsumeMessageDirectlyResult{
			Order: true, AutoCommit: true, ConsumeResult: CMResultLater, Remark: "x", SpentTimeMills: 12,
		}, javaDirectly, func(b []byte) (any, error) { return DecodeConsumeMessageDirectlyResult(b) }},
		{"OffsetMovedEvent", &OffsetMovedEvent{
			ConsumerGroup: "cg", MessageQueue: MessageQueue{Topic: "T", BrokerName: "broker-a", QueueID: 1}, OffsetRequest: 5, OffsetNew: 1,
		}, javaOffsetMovedEvent, func(b []byte) (any, error) { return DecodeOffsetMovedEvent(b) }},
		{"ConsumerRunningInfo in Properties and TreeMap order", sampleRunningInfo(), javaRunningInfo,
			func(b []byte) (any, error) { return DecodeConsumerRunningInfo(b) }},
		{"OffsetSerializeWrapper pretty, as LocalFileOffsetStore writes it", &OffsetSerializeWrapper{OffsetTable: map[MessageQueue]int64{
			{Topic: "T", BrokerName: "broker-a", QueueID: 0}: 5, {Topic: "T", BrokerName: "broker-a", QueueID: 1}: 7,
			{Topic: "T", BrokerName: "broker-b", QueueID: 0}: 0,
		}}, javaOffsetFile, func(b []byte) (any, error) { return DecodeOffsetSerializeWrapper(b) }},
		{"OffsetSerializeWrapper empty", &OffsetSerializeWrapper{OffsetTable: map[MessageQueue]int64{}}, javaOffsetFileEmpty,
			func(b []byte) (any, error) { return DecodeOffsetSerializeWrapper(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, string(tc.value.Encode()))
			got, err := tc.decode([]byte(tc.want))
			require.NoError(t, err)
			require.Empty(t, cmp.Diff(tc.value, got, cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b SubscriptionData) bool {
				return a.Topic < b.Topic
			})))
		})
	}
}

func TestResetOffsetBodyForC(t *testing.T) {
	offsets := map[MessageQueue]int64{}
	for q := range int32(8) {
		offsets[diffQueue(q)] = int64(q) * 3
	}
	b := &ResetOffsetBody{OffsetTable: offsets}
	require.Equal(t, javaResetOffsetBodyForC, string(b.EncodeForC()))
	got, err := DecodeResetOffsetBodyForC([]byte(javaResetOffsetBodyForC))
	require.NoError(t, err)
	require.Equal(t, b, got)
}

// A 4.9.7 broker answers LOCK_BATCH_MQ with a HashSet sized for the request.
func TestMessageQueueHashOrderMatchesJava(t *testing.T) {
	var added []MessageQueue
	for q := int32(4); q >= 0; q-- {
		added = append(added, MessageQueue{Topic: "DiffOrderTopic", BrokerName: "broker-a", QueueID: q})
	}
	body := &LockBatchResponseBody{LockOKMQSet: MessageQueueHashOrder(added, 5)}
	require.Equal(t, javaLockOrder, string(body.Encode()))
}

func TestQueueMapKeysQuotedOrBare(t *testing.T) {
	quoted := `{"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":1,\"topic\":\"T\"}":5}}`
	got, err := DecodeResetOffsetBody([]byte(quoted))
	require.NoError(t, err)
	require.Equal(t, map[MessageQueue]int64{{Topic: "T", BrokerName: "b", QueueID: 1}: 5}, got.OffsetTable)
	for _, junk := range []string{`{"offsetTable":{"T":5}}`, `{"offsetTable":{{"queueId":"x"}:5}}`, `{"offsetTable":{{}x:5}}`} {
		_, err := DecodeResetOffsetBody([]byte(junk))
		require.Error(t, err, junk)
	}
}

func TestJavaDouble(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0.0", 1: "1.0", 0.001: "0.001", 0.0001: "1.0E-4", 1e7: "1.0E7", 9999999: "9999999.0",
		123.456: "123.456", 1e-10: "1.0E-10", 1e22: "1.0E22", 100: "100.0", 12345678.9: "1.23456789E7",
	} {
		require.Equal(t, want, javaDouble(v), "%v", v)
	}
}

func TestVersionName(t *testing.T) {
	for v, want := range map[int32]string{0: "V3_0_0_SNAPSHOT", 28: "V3_0_7_SNAPSHOT", 62: "V3_1_8_SNAPSHOT", 121: "V3_4_9",
		407: "V4_9_7", 612: "HIGHER_VERSION", 9999: "HIGHER_VERSION", -1: ""} {
		require.Equal(t, want, VersionName(v), "%d", v)
	}
}
