package fakecluster

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
)

// The admin API's consumer-group calls (see AdminHandler): subscription groups, queue locks,
// and the requests the brokers answer by asking the group's consumers.

// AdminSubscriptionGroup is a broker's config of a consumer group in the admin API, with
// SubscriptionGroupConfig's Java field names.
type AdminSubscriptionGroup struct {
	Broker                         string `json:"broker,omitempty"`
	GroupName                      string `json:"groupName"`
	ConsumeEnable                  bool   `json:"consumeEnable"`
	ConsumeFromMinEnable           bool   `json:"consumeFromMinEnable"`
	ConsumeBroadcastEnable         bool   `json:"consumeBroadcastEnable"`
	RetryQueueNums                 int32  `json:"retryQueueNums"`
	RetryMaxTimes                  int32  `json:"retryMaxTimes"`
	BrokerID                       int64  `json:"brokerId"`
	WhichBrokerWhenConsumeSlowly   int64  `json:"whichBrokerWhenConsumeSlowly"`
	NotifyConsumerIDsChangedEnable bool   `json:"notifyConsumerIdsChangedEnable"`
}

func adminSubscriptionGroup(broker string, c protocol.SubscriptionGroupConfig) AdminSubscriptionGroup {
	return AdminSubscriptionGroup{
		Broker: broker, GroupName: c.GroupName, ConsumeEnable: c.ConsumeEnable, ConsumeFromMinEnable: c.ConsumeFromMinEnable,
		ConsumeBroadcastEnable: c.ConsumeBroadcastEnable, RetryQueueNums: c.RetryQueueNums, RetryMaxTimes: c.RetryMaxTimes,
		BrokerID: c.BrokerID, WhichBrokerWhenConsumeSlowly: c.WhichBrokerWhenConsumeSlowly,
		NotifyConsumerIDsChangedEnable: c.NotifyConsumerIDsChangedEnable,
	}
}

func (g AdminSubscriptionGroup) config() protocol.SubscriptionGroupConfig {
	return protocol.SubscriptionGroupConfig{
		GroupName: g.GroupName, ConsumeEnable: g.ConsumeEnable, ConsumeFromMinEnable: g.ConsumeFromMinEnable,
		ConsumeBroadcastEnable: g.ConsumeBroadcastEnable, RetryQueueNums: g.RetryQueueNums, RetryMaxTimes: g.RetryMaxTimes,
		BrokerID: g.BrokerID, WhichBrokerWhenConsumeSlowly: g.WhichBrokerWhenConsumeSlowly,
		NotifyConsumerIDsChangedEnable: g.NotifyConsumerIDsChangedEnable,
	}
}

func (c *Cluster) adminGroups(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Groups []AdminSubscriptionGroup `json:"groups"`
	}{Groups: []AdminSubscriptionGroup{}}
	for _, g := range c.SubscriptionGroups() {
		out.Groups = append(out.Groups, adminSubscriptionGroup(g.Broker, g.Config))
	}
	writeJSON(w, http.StatusOK, out)
}

// SubscriptionGroupRequest is the body of POST /v1/groups: a config (the fields left out keep
// Java's defaults) and the brokers to put it on (every broker when left out).
type SubscriptionGroupRequest struct {
	AdminSubscriptionGroup
	Brokers []string `json:"brokers,omitempty"`
}

func (c *Cluster) adminUpdateGroup(w http.ResponseWriter, r *http.Request) {
	req := SubscriptionGroupRequest{AdminSubscriptionGroup: adminSubscriptionGroup("", protocol.NewSubscriptionGroupConfig(""))}
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.GroupName == "" {
		writeError(w, http.StatusBadRequest, errors.New(`"groupName" is required`))
		return
	}
	if err := c.UpdateSubscriptionGroup(req.config(), req.Brokers...); err != nil {
		writeClusterError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, req)
}

func (c *Cluster) adminDeleteGroup(w http.ResponseWriter, r *http.Request) {
	removeOffset := r.URL.Query().Get("removeOffset") == "true"
	if err := c.DeleteSubscriptionGroup(r.PathValue("group"), removeOffset, r.URL.Query()["broker"]...); err != nil {
		writeClusterError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// AdminQueueLock is one row of GET /v1/groups/{group}/locks.
type AdminQueueLock struct {
	Broker   string `json:"broker"`
	Topic    string `json:"topic"`
	QueueID  int32  `json:"queueId"`
	ClientID string `json:"clientId"`
}

func (c *Cluster) adminLocks(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Locks []AdminQueueLock `json:"locks"`
	}{Locks: []AdminQueueLock{}}
	for _, l := range c.QueueLocks(r.PathValue("group")) {
		out.Locks = append(out.Locks, AdminQueueLock{Broker: l.Queue.BrokerName, Topic: l.Queue.Topic, QueueID: l.Queue.QueueID, ClientID: l.ClientID})
	}
	writeJSON(w, http.StatusOK, out)
}

// AdminQueueOffset is one queue's offset in the answers of reset-offset and status.
type AdminQueueOffset struct {
	ClientID string `json:"clientId,omitempty"`
	Broker   string `json:"broker"`
	Topic    string `json:"topic"`
	QueueID  int32  `json:"queueId"`
	Offset   int64  `json:"offset"`
}

func queueOffsetRows(clientID string, offsets map[protocol.MessageQueue]int64) []AdminQueueOffset {
	out := make([]AdminQueueOffset, 0, len(offsets))
	for _, mq := range slices.SortedFunc(maps.Keys(offsets), protocol.CompareMessageQueues) {
		out = append(out, AdminQueueOffset{ClientID: clientID, Broker: mq.BrokerName, Topic: mq.Topic, QueueID: mq.QueueID, Offset: offsets[mq]})
	}
	return out
}

// ResetOffsetRequest is the body of POST /v1/groups/{group}/reset-offset.
type ResetOffsetRequest struct {
	Topic string `json:"topic"`
	// Timestamp is in ms since the epoch, -1 for the end of each queue.
	Timestamp *int64 `json:"timestamp"`
	Force     bool   `json:"force"`
}

func (c *Cluster) adminResetOffset(w http.ResponseWriter, r *http.Request) {
	var req ResetOffsetRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Topic == "" || req.Timestamp == nil {
		writeError(w, http.StatusBadRequest, errors.New(`"topic" and "timestamp" (ms since the epoch, -1 for the end) are required`))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), adminActionTimeout)
	defer cancel()
	offsets, err := c.ResetOffset(ctx, req.Topic, r.PathValue("group"), *req.Timestamp, req.Force)
	if err != nil {
		writeClusterError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Offsets []AdminQueueOffset `json:"offsets"`
	}{queueOffsetRows("", offsets)})
}

func (c *Cluster) adminConsumerStatus(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	if topic == "" {
		writeError(w, http.StatusBadRequest, errors.New(`"topic" is required`))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), adminActionTimeout)
	defer cancel()
	status, err := c.ConsumerStatus(ctx, topic, r.PathValue("group"), r.URL.Query().Get("clientId"))
	if err != nil {
		writeClusterError(w, err)
		return
	}
	out := struct {
		Consumers []AdminQueueOffset `json:"consumers"`
	}{Consumers: []AdminQueueOffset{}}
	for _, id := range slices.Sorted(maps.Keys(status)) {
		out.Consumers = append(out.Consumers, queueOffsetRows(id, status[id])...)
	}
	writeJSON(w, http.StatusOK, out)
}

// AdminRunningInfo is GET /v1/clients/{clientId}/running-info: a consumer's
// ConsumerRunningInfo with Java's field names, its mqTable as a list of queues.
type AdminRunningInfo struct {
	Properties      map[string]string             `json:"properties"`
	SubscriptionSet []AdminSubscription           `json:"subscriptionSet"`
	MQTable         []AdminProcessQueue           `json:"mqTable"`
	StatusTable     map[string]AdminConsumeStatus `json:"statusTable"`
	Jstack          string                        `json:"jstack,omitempty"`
}

// AdminSubscription is one subscription of a consumer.
type AdminSubscription struct {
	Topic          string   `json:"topic"`
	SubString      string   `json:"subString"`
	ExpressionType string   `json:"expressionType"`
	TagsSet        []string `json:"tagsSet"`
	SubVersion     int64    `json:"subVersion"`
}

// AdminProcessQueue is one queue a consumer holds, and how far it got there.
type AdminProcessQueue struct {
	Broker                  string `json:"broker"`
	Topic                   string `json:"topic"`
	QueueID                 int32  `json:"queueId"`
	CommitOffset            int64  `json:"commitOffset"`
	CachedMsgMinOffset      int64  `json:"cachedMsgMinOffset"`
	CachedMsgMaxOffset      int64  `json:"cachedMsgMaxOffset"`
	CachedMsgCount          int32  `json:"cachedMsgCount"`
	CachedMsgSizeInMiB      int32  `json:"cachedMsgSizeInMiB"`
	TransactionMsgMinOffset int64  `json:"transactionMsgMinOffset"`
	TransactionMsgMaxOffset int64  `json:"transactionMsgMaxOffset"`
	TransactionMsgCount     int32  `json:"transactionMsgCount"`
	Locked                  bool   `json:"locked"`
	TryUnlockTimes          int64  `json:"tryUnlockTimes"`
	LastLockTimestamp       int64  `json:"lastLockTimestamp"`
	Droped                  bool   `json:"droped"` // Java's spelling
	LastPullTimestamp       int64  `json:"lastPullTimestamp"`
	LastConsumeTimestamp    int64  `json:"lastConsumeTimestamp"`
}

// AdminConsumeStatus is a consumer's rates for one topic.
type AdminConsumeStatus struct {
	PullRT            float64 `json:"pullRT"`
	PullTPS           float64 `json:"pullTPS"`
	ConsumeRT         float64 `json:"consumeRT"`
	ConsumeOKTPS      float64 `json:"consumeOKTPS"`
	ConsumeFailedTPS  float64 `json:"consumeFailedTPS"`
	ConsumeFailedMsgs int64   `json:"consumeFailedMsgs"`
}

func adminRunningInfo(info *protocol.ConsumerRunningInfo) AdminRunningInfo {
	out := AdminRunningInfo{
		Properties: info.Properties, SubscriptionSet: []AdminSubscription{}, MQTable: []AdminProcessQueue{},
		StatusTable: map[string]AdminConsumeStatus{}, Jstack: info.Jstack,
	}
	for _, sd := range info.SubscriptionSet {
		tags := sd.TagsSet
		if tags == nil {
			tags = []string{}
		}
		out.SubscriptionSet = append(out.SubscriptionSet, AdminSubscription{Topic: sd.Topic, SubString: sd.SubString,
			ExpressionType: sd.ExpressionType, TagsSet: tags, SubVersion: sd.SubVersion})
	}
	slices.SortFunc(out.SubscriptionSet, func(a, b AdminSubscription) int { return cmp.Compare(a.Topic, b.Topic) })
	for _, mq := range slices.SortedFunc(maps.Keys(info.MQTable), protocol.CompareMessageQueues) {
		p := info.MQTable[mq]
		out.MQTable = append(out.MQTable, AdminProcessQueue{Broker: mq.BrokerName, Topic: mq.Topic, QueueID: mq.QueueID,
			CommitOffset: p.CommitOffset, CachedMsgMinOffset: p.CachedMsgMinOffset, CachedMsgMaxOffset: p.CachedMsgMaxOffset,
			CachedMsgCount: p.CachedMsgCount, CachedMsgSizeInMiB: p.CachedMsgSizeInMiB,
			TransactionMsgMinOffset: p.TransactionMsgMinOffset, TransactionMsgMaxOffset: p.TransactionMsgMaxOffset,
			TransactionMsgCount: p.TransactionMsgCount, Locked: p.Locked, TryUnlockTimes: p.TryUnlockTimes,
			LastLockTimestamp: p.LastLockTimestamp, Droped: p.Droped, LastPullTimestamp: p.LastPullTimestamp,
			LastConsumeTimestamp: p.LastConsumeTimestamp})
	}
	for topic, st := range info.StatusTable {
		out.StatusTable[topic] = AdminConsumeStatus{PullRT: st.PullRT, PullTPS: st.PullTPS, ConsumeRT: st.ConsumeRT,
			ConsumeOKTPS: st.ConsumeOKTPS, ConsumeFailedTPS: st.ConsumeFailedTPS, ConsumeFailedMsgs: st.ConsumeFailedMsgs}
	}
	if out.Properties == nil {
		out.Properties = map[string]string{}
	}
	return out
}

func (c *Cluster) adminRunningInfo(w http.ResponseWriter, r *http.Request) {
	group := r.URL.Query().Get("group")
	if group == "" {
		writeError(w, http.StatusBadRequest, errors.New(`"group" is required`))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), adminActionTimeout+callTimeoutMargin)
	defer cancel()
	info, err := c.ConsumerRunningInfo(ctx, group, r.PathValue("clientId"), r.URL.Query().Get("jstack") == "true")
	if err != nil {
		writeClusterError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, adminRunningInfo(info))
}

// ConsumeDirectlyRequest is the body of POST /v1/clients/{clientId}/consume-directly.
type ConsumeDirectlyRequest struct {
	Group string `json:"group"`
	MsgID string `json:"msgId"` // the offset message id (offsetMsgId in GET /v1/topics/{topic}/messages)
}

// AdminConsumeResult is how a consumer's listener took the message.
type AdminConsumeResult struct {
	Order          bool   `json:"order"`
	AutoCommit     bool   `json:"autoCommit"`
	ConsumeResult  string `json:"consumeResult"`
	Remark         string `json:"remark"`
	SpentTimeMills int64  `json:"spentTimeMills"`
}

func (c *Cluster) adminConsumeDirectly(w http.ResponseWriter, r *http.Request) {
	var req ConsumeDirectlyRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Group == "" || req.MsgID == "" {
		writeError(w, http.StatusBadRequest, errors.New(`"group" and "msgId" are required`))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), adminActionTimeout+callTimeoutMargin)
	defer cancel()
	res, err := c.ConsumeMessageDirectly(ctx, req.Group, r.PathValue("clientId"), req.MsgID)
	if err != nil {
		writeClusterError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, AdminConsumeResult{Order: res.Order, AutoCommit: res.AutoCommit,
		ConsumeResult: string(res.ConsumeResult), Remark: res.Remark, SpentTimeMills: res.SpentTimeMills})
}

// callTimeoutMargin lets a broker's own 10 s wait for a consumer end before the admin call's.
const callTimeoutMargin = 5 * time.Second

// writeClusterError answers an error of a cluster call: 404 for what is not there, 409 with the
// broker's code and remark for a broker's refusal, 502 for a broker that could not be asked.
func writeClusterError(w http.ResponseWriter, err error) {
	var se *admin.ServerError
	switch {
	case errors.Is(err, ErrUnknownBroker) || errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err)
	case errors.As(err, &se):
		writeJSON(w, http.StatusConflict, map[string]string{
			"error": err.Error(), "code": strconv.Itoa(int(se.Code)), "remark": se.Remark,
		})
	default:
		writeError(w, http.StatusBadGateway, err)
	}
}
