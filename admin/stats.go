package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// TopicStats asks a broker for GET_TOPIC_STATS_INFO (202), as mqadmin topicStatus does: each of
// the topic's write queues there, with its min and max offsets and the store time of its last
// message. A topic the broker does not hold is ErrTopicNotExist.
func TopicStats(ctx context.Context, cli *remoting.Client, addr, topic string) (map[protocol.MessageQueue]protocol.TopicOffset, error) {
	op := "topic stats " + topic
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetTopicStatsInfo,
		protocol.GetTopicStatsInfoRequestHeader{Topic: topic}, nil))
	if err != nil {
		return nil, err
	}
	t, err := protocol.DecodeTopicStatsTable(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return t.OffsetTable, nil
}

// ConsumeStats asks a broker for GET_CONSUME_STATS (208), as mqadmin consumerProgress does: for
// topic (every topic the group has offsets on when topic is "") each read queue's max offset,
// the group's offset and the store time of the last message it consumed.
func ConsumeStats(ctx context.Context, cli *remoting.Client, addr, group, topic string) (*protocol.ConsumeStats, error) {
	op := "consume stats " + group
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetConsumeStats,
		protocol.GetConsumeStatsRequestHeader{ConsumerGroup: group, Topic: topic}, nil))
	if err != nil {
		return nil, err
	}
	s, err := protocol.DecodeConsumeStats(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return s, nil
}

// BrokerConsumeStats asks a broker for GET_BROKER_CONSUME_STATS (317), as mqadmin
// brokerConsumeStats does: every subscription group's progress on every topic it has offsets
// on there (ordered topics only when ordered is true), and the messages left to consume in all.
func BrokerConsumeStats(ctx context.Context, cli *remoting.Client, addr string, ordered bool) (*protocol.ConsumeStatsList, error) {
	op := "broker consume stats"
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeGetBrokerConsumeStats,
		protocol.GetConsumeStatsInBrokerHeader{IsOrder: ordered}, nil))
	if err != nil {
		return nil, err
	}
	l, err := protocol.DecodeConsumeStatsList(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return l, nil
}

// BrokerStatsData asks a broker for VIEW_BROKER_STATS_DATA (315), as mqadmin statsAll does: one
// of its sampled statistics (protocol.StatsTopicPutNums, ...) by key over its last minute, hour
// and day. A statistic the broker has not counted yet is an error (SYSTEM_ERROR, "The stats
// <name> <key> not exist").
func BrokerStatsData(ctx context.Context, cli *remoting.Client, addr, name, key string) (*protocol.BrokerStatsData, error) {
	op := "stats " + name + " " + key
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeViewBrokerStatsData,
		protocol.ViewBrokerStatsDataRequestHeader{StatsName: name, StatsKey: key}, nil))
	if err != nil {
		return nil, err
	}
	d, err := protocol.DecodeBrokerStatsData(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return d, nil
}

// TopicConsumers asks a broker for QUERY_TOPIC_CONSUME_BY_WHO (300): the groups whose online
// consumers subscribe to topic or that committed offsets on it there.
func TopicConsumers(ctx context.Context, cli *remoting.Client, addr, topic string) ([]string, error) {
	op := "consumers of " + topic
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeQueryTopicConsumeByWho,
		protocol.QueryTopicConsumeByWhoRequestHeader{Topic: topic}, nil))
	if err != nil {
		return nil, err
	}
	g, err := protocol.DecodeGroupList(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return g.Groups, nil
}

// CleanExpiredConsumeQueues sends CLEAN_EXPIRED_CONSUMEQUEUE (306), as mqadmin cleanExpiredCQ:
// the broker drops the consume queues whose messages have all left its commit log.
func CleanExpiredConsumeQueues(ctx context.Context, cli *remoting.Client, addr string) error {
	_, err := invoke(ctx, cli, addr, "clean expired consume queues", remoting.NewRequest(remoting.CodeCleanExpiredConsumeQueue, nil, nil))
	return err
}

// CleanUnusedTopics sends CLEAN_UNUSED_TOPIC (316), as mqadmin cleanUnusedTopic: the broker
// drops the consume queues of the topics its topic table does not hold.
func CleanUnusedTopics(ctx context.Context, cli *remoting.Client, addr string) error {
	_, err := invoke(ctx, cli, addr, "clean unused topics", remoting.NewRequest(remoting.CodeCleanUnusedTopic, nil, nil))
	return err
}

// DeleteExpiredCommitLog sends DELETE_EXPIRED_COMMITLOG (329), as mqadmin
// deleteExpiredCommitLog: the broker deletes its commit-log files past their reserved time.
func DeleteExpiredCommitLog(ctx context.Context, cli *remoting.Client, addr string) error {
	_, err := invoke(ctx, cli, addr, "delete expired commit log", remoting.NewRequest(remoting.CodeDeleteExpiredCommitLog, nil, nil))
	return err
}

// ErrNoConsumeQueueEntry: QUERY_CONSUME_QUEUE's index is not an entry of the queue (the broker
// answers SUCCESS with the remark "Index I of Q@T is not exist!" and no body).
var ErrNoConsumeQueueEntry = errors.New("admin: no consume-queue entry at the index")

// QueryConsumeQueue asks a broker for QUERY_CONSUME_QUEUE (321), as mqadmin queryCq does: at
// most h.Count consume-queue entries of a queue from h.Index, its min and max offsets and, with
// h.ConsumerGroup, the group's subscription to the topic. An index outside the queue is
// ErrNoConsumeQueueEntry; a queue the broker does not have, a *ServerError.
func QueryConsumeQueue(ctx context.Context, cli *remoting.Client, addr string, h protocol.QueryConsumeQueueRequestHeader) (*protocol.QueryConsumeQueueResponseBody, error) {
	op := fmt.Sprintf("consume queue %s/%d from %d", h.Topic, h.QueueID, h.Index)
	resp, err := invoke(ctx, cli, addr, op, protocol.RequestWithHeader(remoting.CodeQueryConsumeQueue, h, nil))
	if err != nil {
		return nil, err
	}
	if len(resp.Body) == 0 {
		return nil, fmt.Errorf("admin: %s at %s: %s: %w", op, addr, resp.Remark, ErrNoConsumeQueueEntry)
	}
	body, err := protocol.DecodeQueryConsumeQueueResponseBody(resp.Body)
	if err != nil {
		return nil, decodeErr(op, addr, err)
	}
	return body, nil
}

// NamesrvConfig asks a name server for GET_NAMESRV_CONFIG (319): every setting of its
// NamesrvConfig and NettyServerConfig, by name, as text.
func NamesrvConfig(ctx context.Context, cli *remoting.Client, nsAddr string) (map[string]string, error) {
	const op = "namesrv config"
	resp, err := invoke(ctx, cli, nsAddr, op, remoting.NewRequest(remoting.CodeGetNamesrvConfig, nil, nil))
	if err != nil {
		return nil, err
	}
	config, err := protocol.DecodeJavaProperties(resp.Body)
	if err != nil {
		return nil, decodeErr(op, nsAddr, err)
	}
	return config, nil
}

// UpdateNamesrvConfig sends UPDATE_NAMESRV_CONFIG (318) with settings as properties text, as
// mqadmin updateNamesrvConfig. The name server refuses kvConfigPath and configStorePath (16
// NO_PERMISSION) and silently ignores names it does not have and values that do not parse.
func UpdateNamesrvConfig(ctx context.Context, cli *remoting.Client, nsAddr string, settings map[string]string) error {
	_, err := invoke(ctx, cli, nsAddr, "update namesrv config",
		remoting.NewRequest(remoting.CodeUpdateNamesrvConfig, nil, protocol.EncodeJavaProperties(settings)))
	return err
}

// WipeWritePerm sends WIPE_WRITE_PERM_OF_BROKER (205), as mqadmin wipeWritePerm: the name server
// hands out the broker's queues read-only until its next registration. It returns how many
// topics changed.
func WipeWritePerm(ctx context.Context, cli *remoting.Client, nsAddr, brokerName string) (int, error) {
	return writePerm(ctx, cli, nsAddr, "wipe write perm of "+brokerName, remoting.CodeWipeWritePermOfBroker,
		brokerName, protocol.FieldWipeTopicCount)
}

// AddWritePerm sends ADD_WRITE_PERM_OF_BROKER (327), as mqadmin addWritePerm: the name server
// hands out the broker's queues readable and writable. It returns how many topics changed.
func AddWritePerm(ctx context.Context, cli *remoting.Client, nsAddr, brokerName string) (int, error) {
	return writePerm(ctx, cli, nsAddr, "add write perm of "+brokerName, remoting.CodeAddWritePermOfBroker,
		brokerName, protocol.FieldAddTopicCount)
}

func writePerm(ctx context.Context, cli *remoting.Client, nsAddr, op string, code int32, brokerName, countField string) (int, error) {
	resp, err := invoke(ctx, cli, nsAddr, op, protocol.RequestWithHeader(code,
		protocol.WritePermOfBrokerRequestHeader{BrokerName: brokerName}, nil))
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(resp.ExtFields[countField])
	if err != nil {
		return 0, decodeErr(op, nsAddr, err)
	}
	return n, nil
}
