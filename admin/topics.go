package admin

import (
	"context"
	"fmt"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// CreateTopic sends UPDATE_AND_CREATE_TOPIC (17) for tc to one broker, as mqadmin updateTopic
// does (defaultTopic TBW102; a topic filter type left empty is SINGLE_TAG). The broker registers
// the topic with its name servers before it answers, so the route changes at once.
func CreateTopic(ctx context.Context, cli *remoting.Client, addr string, tc protocol.TopicConfig) error {
	filter := tc.TopicFilterType
	if filter == "" {
		filter = protocol.SingleTag
	}
	h := protocol.CreateTopicRequestHeader{
		Topic:           tc.TopicName,
		DefaultTopic:    protocol.AutoCreateTopicKey,
		ReadQueueNums:   tc.ReadQueueNums,
		WriteQueueNums:  tc.WriteQueueNums,
		Perm:            tc.Perm,
		TopicFilterType: filter,
		TopicSysFlag:    &tc.TopicSysFlag,
		Order:           tc.Order,
	}
	_, err := invoke(ctx, cli, addr, "create topic "+tc.TopicName,
		protocol.RequestWithHeader(remoting.CodeUpdateAndCreateTopic, h, nil))
	return err
}

// DeleteTopicInBroker sends DELETE_TOPIC_IN_BROKER (215): the broker forgets the topic and its
// consume queues (the commit log keeps the messages) but does not tell its name servers; an
// unknown topic is no error.
func DeleteTopicInBroker(ctx context.Context, cli *remoting.Client, addr, topic string) error {
	_, err := invoke(ctx, cli, addr, "delete topic "+topic+" in broker",
		protocol.RequestWithHeader(remoting.CodeDeleteTopicInBroker, protocol.DeleteTopicRequestHeader{Topic: topic}, nil))
	return err
}

// DeleteTopicInNameServer sends DELETE_TOPIC_IN_NAMESRV (216): the name server drops the
// topic's queues on the brokers of cluster, or on every broker when cluster is "". Brokers that
// still hold the topic bring it back when their topic table next changes.
func DeleteTopicInNameServer(ctx context.Context, cli *remoting.Client, nsAddr, topic, cluster string) error {
	_, err := invoke(ctx, cli, nsAddr, "delete topic "+topic+" in name server",
		protocol.RequestWithHeader(remoting.CodeDeleteTopicInNamesrv,
			protocol.DeleteTopicFromNamesrvRequestHeader{Topic: topic, ClusterName: cluster}, nil))
	return err
}

// DeleteTopic deletes topic as mqadmin deleteTopic does: DELETE_TOPIC_IN_BROKER on each of
// brokerAddrs (the cluster's masters), then DELETE_TOPIC_IN_NAMESRV for cluster on each name
// server. It stops at the first failure.
func DeleteTopic(ctx context.Context, cli *remoting.Client, nsAddrs []string, cluster string, brokerAddrs []string, topic string) error {
	for _, addr := range brokerAddrs {
		if err := DeleteTopicInBroker(ctx, cli, addr, topic); err != nil {
			return err
		}
	}
	for _, ns := range nsAddrs {
		if err := DeleteTopicInNameServer(ctx, cli, ns, topic, cluster); err != nil {
			return err
		}
	}
	return nil
}

// ClusterInfo asks a name server for GET_BROKER_CLUSTER_INFO (106).
func ClusterInfo(ctx context.Context, cli *remoting.Client, nsAddr string) (*protocol.ClusterInfo, error) {
	const op = "cluster info"
	resp, err := invoke(ctx, cli, nsAddr, op, remoting.NewRequest(remoting.CodeGetBrokerClusterInfo, nil, nil))
	if err != nil {
		return nil, err
	}
	ci, err := protocol.DecodeClusterInfo(resp.Body)
	if err != nil {
		return nil, decodeErr(op, nsAddr, err)
	}
	return ci, nil
}

// TopicsInCluster asks a name server for GET_TOPICS_BY_CLUSTER (224), as mqadmin's
// fetchTopicsByCLuster does: the topics with queue data on any of the cluster's brokers (none
// for an unknown cluster).
func TopicsInCluster(ctx context.Context, cli *remoting.Client, nsAddr, cluster string) ([]string, error) {
	op := "topics in cluster " + cluster
	resp, err := invoke(ctx, cli, nsAddr, op, protocol.RequestWithHeader(remoting.CodeGetTopicsByCluster,
		protocol.GetTopicsByClusterRequestHeader{Cluster: cluster}, nil))
	if err != nil {
		return nil, err
	}
	list, err := protocol.DecodeTopicList(resp.Body)
	if err != nil {
		return nil, decodeErr(op, nsAddr, err)
	}
	return list.Topics, nil
}

// Route asks a name server for GET_ROUTEINFO_BY_TOPIC (105). A topic the name server does not
// route (TOPIC_NOT_EXIST) gives false and no error.
func Route(ctx context.Context, cli *remoting.Client, nsAddr, topic string) (*protocol.TopicRouteData, bool, error) {
	op := "route of " + topic
	resp, err := invoke(ctx, cli, nsAddr, op, protocol.RequestWithHeader(remoting.CodeGetRouteInfoByTopic,
		protocol.GetRouteInfoRequestHeader{Topic: topic}, nil), remoting.Success, remoting.TopicNotExist)
	if err != nil {
		return nil, false, err
	}
	if resp.Code == remoting.TopicNotExist {
		return nil, false, nil
	}
	rd, err := protocol.DecodeTopicRouteData(resp.Body)
	if err != nil {
		return nil, false, decodeErr(op, nsAddr, err)
	}
	return rd, true, nil
}

// queueName is how calls name a queue in errors: topic/queue, with the broker when known.
func queueName(mq protocol.MessageQueue) string {
	if mq.BrokerName == "" {
		return fmt.Sprintf("%s/%d", mq.Topic, mq.QueueID)
	}
	return fmt.Sprintf("%s/%d of %s", mq.Topic, mq.QueueID, mq.BrokerName)
}
