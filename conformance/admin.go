// Package conformance checks our client against real RocketMQ 4.9.7 servers (realrmq), and
// holds the admin requests that read back what real servers did: stored messages through
// PULL_MESSAGE, a producer group's connections, topic deletion and broker configuration
// updates. The feature suite's real backend (scenarios, ROCKETSIM_BACKEND=real) uses them too.
//
// These requests belong in realrmq.Cluster eventually; they live here, on the bare remoting
// client, so that they need nothing from a realrmq.Cluster but addresses.
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Request codes of 4.9.7 that remoting/ does not name (RequestCode.java).
const (
	CodeUpdateBrokerConfig        int32 = 25
	CodeGetBrokerConfig           int32 = 26
	CodeGetProducerConnectionList int32 = 204
	CodeDeleteTopicInBroker       int32 = 215
	CodeDeleteTopicInNamesrv      int32 = remoting.CodeDeleteTopicInNamesrv
)

// ReaderGroup is the consumer group the pulls name. A 4.9.7 broker auto-creates its
// subscription group (autoCreateSubscriptionGroup); the pulls carry their subscription
// (sysFlag FLAG_SUBSCRIPTION), so no heartbeat is needed.
const ReaderGroup = "rocketsim_conformance_reader"

// maxQueues bounds the queues read per broker when the topic's queue count is not known.
const maxQueues = 32

// Broker is a broker to read from.
type Broker struct {
	Name string
	Addr string
}

// ErrIllegalQueue is returned by Pull for a queue id the topic does not have.
var ErrIllegalQueue = errors.New("conformance: illegal queue id")

// ErrNoTopic is returned by Pull when the broker does not know the topic.
var ErrNoTopic = errors.New("conformance: topic not on the broker")

// Pull reads up to 32 messages of one queue from offset. It returns the messages (nil when
// none are there), the next offset to read, and ErrIllegalQueue or ErrNoTopic when the
// broker has no such queue or topic.
func Pull(ctx context.Context, cli *remoting.Client, b Broker, topic string, queue int32, offset int64) ([]*protocol.MessageExt, int64, error) {
	req := protocol.RequestWithHeader(remoting.CodePullMessage, protocol.PullMessageRequestHeader{
		ConsumerGroup: ReaderGroup, Topic: topic, QueueID: queue, QueueOffset: offset, MaxMsgNums: 32,
		SysFlag:      0x4, // FLAG_SUBSCRIPTION: no commit, no suspend
		Subscription: "*", ExpressionType: protocol.ExpressionTypeTag,
	}, nil)
	resp, err := cli.Invoke(ctx, b.Addr, req)
	if err != nil {
		return nil, offset, fmt.Errorf("conformance: pull %s/%d from %s: %w", topic, queue, b.Name, err)
	}
	switch resp.Code {
	case remoting.Success:
	case remoting.PullNotFound, remoting.PullRetryImmediately, remoting.PullOffsetMoved:
		return nil, offset, nil
	case remoting.TopicNotExist:
		return nil, offset, ErrNoTopic
	default:
		if strings.Contains(resp.Remark, "is illegal") {
			return nil, offset, ErrIllegalQueue
		}
		return nil, offset, fmt.Errorf("conformance: pull %s/%d from %s: code %d: %s", topic, queue, b.Name, resp.Code, resp.Remark)
	}
	h, err := protocol.DecodePullMessageResponseHeader(resp.ExtFields)
	if err != nil {
		return nil, offset, err
	}
	msgs, err := protocol.DecodeStoredMessages(resp.Body)
	if err != nil {
		return nil, offset, err
	}
	for _, m := range msgs {
		m.BrokerName = b.Name
	}
	return msgs, h.NextBeginOffset, nil
}

// Messages reads every message of topic that the brokers hold, queue by queue from offset 0,
// ordered by broker (as given), queue and queue offset. A broker that does not know the topic
// contributes nothing; an unreachable broker is an error.
func Messages(ctx context.Context, cli *remoting.Client, brokers []Broker, topic string) ([]*protocol.MessageExt, error) {
	var all []*protocol.MessageExt
	for _, b := range brokers {
	queues:
		for q := range int32(maxQueues) {
			for offset := int64(0); ; {
				msgs, next, err := Pull(ctx, cli, b, topic, q, offset)
				switch {
				case errors.Is(err, ErrNoTopic), errors.Is(err, ErrIllegalQueue):
					break queues
				case err != nil:
					return nil, err
				}
				if len(msgs) == 0 || next <= offset {
					break
				}
				all = append(all, msgs...)
				offset = next
			}
		}
	}
	return all, nil
}

// Connection is one row of a ProducerConnection or ConsumerConnection body.
type Connection struct {
	ClientID   string `json:"clientId"`
	ClientAddr string `json:"clientAddr"`
	Language   string `json:"language"`
	Version    int32  `json:"version"`
}

// ProducerConnections asks a broker for GET_PRODUCER_CONNECTION_LIST (204): the connections
// whose heartbeats listed group. A 4.9.7 broker answers SYSTEM_ERROR "the producer group[G]
// not exist" when none does; that is an empty list here.
func ProducerConnections(ctx context.Context, cli *remoting.Client, addr, group string) ([]Connection, error) {
	resp, err := cli.Invoke(ctx, addr, remoting.NewRequest(CodeGetProducerConnectionList,
		map[string]string{"producerGroup": group}, nil))
	if err != nil {
		return nil, err
	}
	if resp.Code == remoting.SystemError && strings.Contains(resp.Remark, "not exist") {
		return nil, nil
	}
	if resp.Code != remoting.Success {
		return nil, fmt.Errorf("conformance: producer connections of %s: code %d: %s", group, resp.Code, resp.Remark)
	}
	var body struct {
		ConnectionSet []Connection `json:"connectionSet"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return nil, fmt.Errorf("conformance: producer connections of %s: %w (%q)", group, err, resp.Body)
	}
	sort.Slice(body.ConnectionSet, func(i, j int) bool { return body.ConnectionSet[i].ClientID < body.ConnectionSet[j].ClientID })
	return body.ConnectionSet, nil
}

// UpdateBrokerConfig sends UPDATE_BROKER_CONFIG (25) with props as a properties text, as
// mqadmin updateBrokerConfig does. A 4.9.7 broker that gets brokerPermission registers with
// its name servers before it answers, so routes show the new permission at once.
func UpdateBrokerConfig(ctx context.Context, cli *remoting.Client, addr string, props map[string]string) error {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s=%s\n", k, props[k])
	}
	resp, err := cli.Invoke(ctx, addr, remoting.NewRequest(CodeUpdateBrokerConfig, nil, []byte(sb.String())))
	if err != nil {
		return err
	}
	if resp.Code != remoting.Success {
		return fmt.Errorf("conformance: update broker config: code %d: %s", resp.Code, resp.Remark)
	}
	return nil
}

// DeleteTopic deletes topic as mqadmin deleteTopic does: DELETE_TOPIC_IN_BROKER (215) on each
// broker, then DELETE_TOPIC_IN_NAMESRV (216) with the cluster's name.
func DeleteTopic(ctx context.Context, cli *remoting.Client, nsAddr, cluster string, brokerAddrs []string, topic string) error {
	for _, addr := range brokerAddrs {
		resp, err := cli.Invoke(ctx, addr, remoting.NewRequest(CodeDeleteTopicInBroker, map[string]string{"topic": topic}, nil))
		if err != nil {
			return fmt.Errorf("conformance: delete topic %s on %s: %w", topic, addr, err)
		}
		if resp.Code != remoting.Success {
			return fmt.Errorf("conformance: delete topic %s on %s: code %d: %s", topic, addr, resp.Code, resp.Remark)
		}
	}
	ext := map[string]string{"topic": topic}
	if cluster != "" {
		ext["clusterName"] = cluster
	}
	resp, err := cli.Invoke(ctx, nsAddr, remoting.NewRequest(CodeDeleteTopicInNamesrv, ext, nil))
	if err != nil {
		return fmt.Errorf("conformance: delete topic %s on the name server: %w", topic, err)
	}
	if resp.Code != remoting.Success {
		return fmt.Errorf("conformance: delete topic %s on the name server: code %d: %s", topic, resp.Code, resp.Remark)
	}
	return nil
}

// Route asks the name server for GET_ROUTEINFO_BY_TOPIC (105); false when it answers
// TOPIC_NOT_EXIST.
func Route(ctx context.Context, cli *remoting.Client, nsAddr, topic string) (*protocol.TopicRouteData, bool, error) {
	resp, err := cli.Invoke(ctx, nsAddr, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: topic}, nil))
	if err != nil {
		return nil, false, err
	}
	switch resp.Code {
	case remoting.Success:
		r, err := protocol.DecodeTopicRouteData(resp.Body)
		return r, err == nil, err
	case remoting.TopicNotExist:
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("conformance: route of %s: code %d: %s", topic, resp.Code, resp.Remark)
	}
}
