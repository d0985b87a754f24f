package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A real 4.9.7 broker's answers to 202 and 208 for a topic of four queues, three of which hold a
// message, and a group without offsets.
const (
	javaTopicStatsTable  = `{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicS"}:{"lastUpdateTimestamp":1796483625933,"maxOffset":1,"minOffset":0},{"brokerName":"broker-a","queueId":3,"topic":"TopicS"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0},{"brokerName":"broker-a","queueId":1,"topic":"TopicS"}:{"lastUpdateTimestamp":1796483629816,"maxOffset":1,"minOffset":0},{"brokerName":"broker-a","queueId":2,"topic":"TopicS"}:{"lastUpdateTimestamp":1796483622214,"maxOffset":1,"minOffset":0}}}`
	javaConsumeStatsList = `{"brokerAddr":"127.0.0.1:10911","consumeStatsList":[{"TOOLS_CONSUMER":[]},{"cg":[` +
		`{"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicS"}:{"brokerOffset":3,"consumerOffset":1,"lastTimestamp":1796483625933}}},` +
		`{"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicT"}:{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0}}}]}],"totalDiff":3}`
	javaConsumeStats = `{"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicS"}:{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0},{"brokerName":"broker-a","queueId":3,"topic":"TopicS"}:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0},{"brokerName":"broker-a","queueId":1,"topic":"TopicS"}:{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0},{"brokerName":"broker-a","queueId":2,"topic":"TopicS"}:{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0}}}`
)

func TestTopicStatsTableAsJava(t *testing.T) {
	mq := func(id int32) MessageQueue { return MessageQueue{Topic: "TopicS", BrokerName: "broker-a", QueueID: id} }
	table := &TopicStatsTable{OffsetTable: map[MessageQueue]TopicOffset{
		mq(0): {MaxOffset: 1, LastUpdateTimestamp: 1796483625933},
		mq(1): {MaxOffset: 1, LastUpdateTimestamp: 1796483629816},
		mq(2): {MaxOffset: 1, LastUpdateTimestamp: 1796483622214},
		mq(3): {},
	}}
	require.Equal(t, javaTopicStatsTable, string(table.Encode()))
	back, err := DecodeTopicStatsTable([]byte(javaTopicStatsTable))
	require.NoError(t, err)
	require.Equal(t, table, back)
}

func TestConsumeStatsAsJava(t *testing.T) {
	mq := func(id int32) MessageQueue { return MessageQueue{Topic: "TopicS", BrokerName: "broker-a", QueueID: id} }
	stats := &ConsumeStats{OffsetTable: map[MessageQueue]OffsetWrapper{
		mq(0): {BrokerOffset: 1}, mq(1): {BrokerOffset: 1}, mq(2): {BrokerOffset: 1}, mq(3): {},
	}}
	require.Equal(t, javaConsumeStats, string(stats.Encode()))
	back, err := DecodeConsumeStats([]byte(javaConsumeStats))
	require.NoError(t, err)
	require.Equal(t, stats, back)
	require.Equal(t, `{"consumeTps":1.5,"offsetTable":{}}`, string((&ConsumeStats{ConsumeTps: 1.5}).Encode()))
}

// The answer to GET_BROKER_CONSUME_STATS, as fastjson writes ConsumeStatsList (fields in name
// order, each group a one-key map to a list of ConsumeStats); the differential test in realrmq
// compares the fake's bytes with a real 4.9.7 broker's.
func TestConsumeStatsListAsJava(t *testing.T) {
	mq := func(topic string) MessageQueue { return MessageQueue{Topic: topic, BrokerName: "broker-a", QueueID: 0} }
	l := &ConsumeStatsList{
		BrokerAddr: "127.0.0.1:10911",
		ConsumeStatsList: []map[string][]*ConsumeStats{
			{"TOOLS_CONSUMER": {}},
			{"cg": {
				{OffsetTable: map[MessageQueue]OffsetWrapper{mq("TopicS"): {BrokerOffset: 3, ConsumerOffset: 1, LastTimestamp: 1796483625933}}},
				{OffsetTable: map[MessageQueue]OffsetWrapper{mq("TopicT"): {BrokerOffset: 1}}},
			}},
		},
		TotalDiff: 3,
	}
	require.EqualValues(t, 2, l.ConsumeStatsList[1]["cg"][0].TotalDiff())
	require.Equal(t, javaConsumeStatsList, string(l.Encode()))
	back, err := DecodeConsumeStatsList([]byte(javaConsumeStatsList))
	require.NoError(t, err)
	require.Equal(t, l, back)
}

// The answer to VIEW_BROKER_STATS_DATA as fastjson writes BrokerStatsData: windows and their
// fields in name order, doubles as Java prints them.
const javaBrokerStatsData = `{"statsDay":{"avgpt":0.0,"sum":0,"tps":0.0},"statsHour":{"avgpt":1.0,"sum":3,"tps":0.005},` +
	`"statsMinute":{"avgpt":2.5,"sum":5,"tps":0.08333333333333333}}`

func TestBrokerStatsDataAsJava(t *testing.T) {
	d := &BrokerStatsData{
		StatsMinute: BrokerStatsItem{Sum: 5, Tps: 5.0 / 60, Avgpt: 2.5},
		StatsHour:   BrokerStatsItem{Sum: 3, Tps: 0.005, Avgpt: 1},
	}
	require.Equal(t, javaBrokerStatsData, string(d.Encode()))
	back, err := DecodeBrokerStatsData([]byte(javaBrokerStatsData))
	require.NoError(t, err)
	require.Equal(t, d, back)
	_, err = DecodeBrokerStatsData([]byte(`{"statsMinute":{"tps":"x"}}`))
	require.Error(t, err)
}
