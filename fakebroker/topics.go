package fakebroker

// topics.go serves 17 UPDATE_AND_CREATE_TOPIC, 21 GET_ALL_TOPIC_CONFIG, 215
// DELETE_TOPIC_IN_BROKER and 305 GET_SYSTEM_TOPIC_LIST_FROM_BROKER and holds the broker's topic
// table, as Java's TopicConfigManager and AdminBrokerProcessor.updateAndCreateTopic, deleteTopic
// and getSystemTopicListFromBroker (4.9.7):
//
//   - The table starts with the system topics a 4.9.7 broker registers (seen in the golden
//     REGISTER_BROKER bodies): SELF_TEST_TOPIC (1 queue), TBW102 (defaultTopicQueueNums, perm 7,
//     only with autoCreateTopicEnable), BenchmarkTest (1024), the cluster-name topic (16 queues,
//     perm 7), the broker-name topic (1 queue, perm 7), OFFSET_MOVED_EVENT (1),
//     SCHEDULE_TOPIC_XXXX (18), RMQ_SYS_TRACE_TOPIC (1, only with traceTopicEnable) and
//     <cluster>_REPLY_TOPIC (1); perm 6 unless said. The cluster, broker and reply topics
//     become system topics too (TopicValidator.addSystemTopic).
//   - Auto-creation (createTopicInSendMessageMethod): a send to an unknown topic whose
//     defaultTopic exists with the inherit bit creates the topic with
//     min(defaultTopicQueueNums from the request, the default topic's write queues) queues, the
//     default topic's perm without the inherit bit, and its filter type; the data version
//     moves and the broker registers at once with a oneway REGISTER_BROKER. Without
//     autoCreateTopicEnable TBW102 does not exist, so nothing is created (any other topic with
//     the inherit bit, such as the cluster-name topic, still works as a template, as in Java).
//   - 17 validates the name (SYSTEM_ERROR with TopicValidator's texts), refuses system topics
//     ("The topic[T] is conflict with system topic."), stores the topic (the request's order
//     flag is ignored, as in 4.9.7: order comes from the name server's ORDER_TOPIC_CONFIG),
//     moves the data version and registers that one topic two-way
//     (registerIncrementBrokerData); the answer has no extFields.
//   - 305 (what mqadmin exportMetadata leaves out) answers code 0 without remark or extFields,
//     with TopicValidator's system topic set as a TopicList in its HashSet's order: the nine
//     static topics (TBW102 even without autoCreateTopicEnable) and the broker's cluster, broker
//     and reply topics.
//   - A broker whose brokerPermission is not read+write registers every topic with that perm.
//   - 21 answers code 0 with empty (not absent) extFields and the whole table with its data
//     version as TopicConfigManager.encode writes it (what mqadmin reads); the perms are the
//     table's own, not the registered ones.
//   - 215 (what mqadmin deleteTopic sends each master before it tells the name servers): a
//     slave refuses (SYSTEM_ERROR "Can't modify topic or subscription group from slave
//     broker, please execute it from master broker."); then the name and system-topic checks
//     of 17, with its texts. A light message queue (%LMQ%...) is answered at once. Otherwise
//     the topic leaves the table (the data version moves only if it was there) and the store
//     drops the consume queues of every topic the table no longer holds
//     (DefaultMessageStore.cleanUnusedTopic), except SCHEDULE_TOPIC_XXXX and
//     RMQ_SYS_TRANS_OP_HALF_TOPIC: their offsets start again from 0, pulls find nothing, and
//     the commit log keeps the messages. The broker does not register; the answer is code 0
//     with neither remark nor extFields.

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Queue counts of the 4.9.7 system topics.
const (
	scheduleTopicQueueNums  = 18
	benchmarkTopicQueueNums = 1024
	retryTopicPrefix        = "%RETRY%"
	dlqTopicPrefix          = "%DLQ%"
	// retryQueueNums is what a send to a %RETRY% topic that does not exist creates it with
	// (msgCheck; heartbeats and send-backs take the group's retryQueueNums); dlqQueueNums is
	// SendMessageProcessor.DLQ_NUMS_PER_GROUP.
	retryQueueNums = 1
	dlqQueueNums   = 1
)

type topicTable struct {
	mu        sync.RWMutex
	m         map[string]protocol.TopicConfig
	version   protocol.DataVersion
	perm      int32
	autoTBW   bool
	sysTopics map[string]bool // topics this broker adds to Java's system topic set
	// sysTopicList is TopicValidator's system topic set in the order Java adds to it: the
	// static ones, then the broker's own.
	sysTopicList []string
}

func newTopicTable(cfg *config) *topicTable {
	t := &topicTable{
		m:         map[string]protocol.TopicConfig{},
		version:   protocol.DataVersion{Timestamp: time.Now().UnixMilli()},
		perm:      cfg.permission,
		autoTBW:   cfg.autoCreateTopic,
		sysTopics: map[string]bool{},
	}
	add := func(name string, queues int32, perm int32) {
		tc := protocol.NewTopicConfig(name)
		tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm = queues, queues, perm
		t.m[name] = tc
	}
	rw := protocol.PermRead | protocol.PermWrite
	add(protocol.SelfTestTopic, 1, rw)
	if cfg.autoCreateTopic {
		add(protocol.AutoCreateTopicKey, cfg.defaultQueueNums, protocol.PermInherit|rw)
	}
	add(protocol.BenchmarkTopic, benchmarkTopicQueueNums, rw)
	clusterPerm, brokerPerm := protocol.PermInherit, protocol.PermInherit
	if cfg.clusterTopicEnable {
		clusterPerm |= rw
	}
	if cfg.brokerTopicEnable {
		brokerPerm |= rw
	}
	add(cfg.cluster, 16, clusterPerm)
	add(cfg.name, 1, brokerPerm)
	add(protocol.OffsetMovedEventTopic, 1, rw)
	add(protocol.ScheduleTopic, scheduleTopicQueueNums, rw)
	if cfg.traceTopicEnable {
		add(protocol.TraceTopic, 1, rw)
	}
	reply := protocol.ReplyTopic(cfg.cluster)
	add(reply, 1, rw)
	t.sysTopicList = slices.Clone(protocol.SystemTopics)
	for _, s := range []string{cfg.cluster, cfg.name, reply} {
		t.sysTopics[s] = true
		if !slices.Contains(t.sysTopicList, s) {
			t.sysTopicList = append(t.sysTopicList, s)
		}
	}
	for _, tc := range cfg.topics {
		t.m[tc.TopicName] = tc
	}
	return t
}

// nextVersionLocked is Java's DataVersion.nextVersion.
func (t *topicTable) nextVersionLocked() {
	t.version.Timestamp = time.Now().UnixMilli()
	t.version.Counter++
}

func (t *topicTable) get(topic string) (protocol.TopicConfig, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tc, ok := t.m[topic]
	return tc, ok
}

// has reports whether topic exists, without copying its config as get does.
func (t *topicTable) has(topic string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	_, ok := t.m[topic]
	return ok
}

func (t *topicTable) isSystemTopic(topic string) bool {
	return protocol.IsSystemTopic(topic) || t.sysTopics[topic]
}

func (t *topicTable) isOrderTopic(topic string) bool {
	tc, ok := t.get(topic)
	return ok && tc.Order
}

func (t *topicTable) brokerPermission() int32 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.perm
}

// snapshot returns the table as registered: with every perm replaced by the broker's when the
// broker is not read+write (registerBrokerAll), and the data version.
func (t *topicTable) snapshot() (map[string]protocol.TopicConfig, protocol.DataVersion) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := maps.Clone(t.m)
	if !protocol.IsReadable(t.perm) || !protocol.IsWriteable(t.perm) {
		for name, tc := range out {
			// Java builds new TopicConfig(name, read, write, perm): the other fields are the
			// constructor's defaults.
			c := protocol.NewTopicConfig(name)
			c.ReadQueueNums, c.WriteQueueNums, c.Perm = tc.ReadQueueNums, tc.WriteQueueNums, t.perm
			out[name] = c
		}
	}
	return out, t.version
}

// createInSendMessage is createTopicInSendMessageMethod; created reports a new topic.
func (t *topicTable) createInSendMessage(topic, defaultTopic string, clientQueueNums, topicSysFlag int32) (tc protocol.TopicConfig, ok, created bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tc, ok := t.m[topic]; ok {
		return tc, true, false
	}
	def, ok := t.m[defaultTopic]
	if !ok {
		return protocol.TopicConfig{}, false, false
	}
	if defaultTopic == protocol.AutoCreateTopicKey && !t.autoTBW {
		def.Perm = protocol.PermRead | protocol.PermWrite
		t.m[defaultTopic] = def
	}
	if !protocol.IsInherited(def.Perm) {
		return protocol.TopicConfig{}, false, false
	}
	queues := max(min(clientQueueNums, def.WriteQueueNums), 0)
	tc = protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums = queues, queues
	tc.Perm = def.Perm &^ protocol.PermInherit
	tc.TopicSysFlag = topicSysFlag
	tc.TopicFilterType = def.TopicFilterType
	t.m[topic] = tc
	t.nextVersionLocked()
	return tc, true, true
}

// createInSendMessageBack is createTopicInSendMessageBackMethod: retry and dead-letter topics.
func (t *topicTable) createInSendMessageBack(topic string, queues, perm, topicSysFlag int32) (protocol.TopicConfig, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tc, ok := t.m[topic]; ok {
		return tc, false
	}
	tc := protocol.NewTopicConfig(topic)
	tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm, tc.TopicSysFlag = queues, queues, perm, topicSysFlag
	t.m[topic] = tc
	t.nextVersionLocked()
	return tc, true
}

// update is updateTopicConfig: put and move the version; it returns the version to register.
func (t *topicTable) update(tc protocol.TopicConfig) protocol.DataVersion {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[tc.TopicName] = tc
	t.nextVersionLocked()
	return t.version
}

// updateOrder is updateOrderTopicConfig: the order flag of every topic follows the name
// server's ORDER_TOPIC_CONFIG table.
func (t *topicTable) updateOrder(orderTopics map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	changed := false
	for name, tc := range t.m {
		_, order := orderTopics[name]
		if tc.Order != order {
			tc.Order = order
			t.m[name] = tc
			changed = true
		}
	}
	if changed {
		t.nextVersionLocked()
	}
}

// setPermission changes brokerPermission; the version moves apart (nextVersion), as Java's
// updateBrokerConfig moves it whenever brokerPermission is given, even unparsable.
func (t *topicTable) setPermission(perm int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.perm = perm
}

func (t *topicTable) nextVersion() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextVersionLocked()
}

// autoCreate is autoCreateTopicEnable, which createTopicInSendMessageMethod reads at each send.
func (t *topicTable) autoCreate() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.autoTBW
}

func (t *topicTable) setAutoCreate(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.autoTBW = on
}

func (t *topicTable) delete(topic string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[topic]; !ok {
		return false
	}
	delete(t.m, topic)
	t.nextVersionLocked()
	return true
}

func (t *topicTable) names() map[string]bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]bool, len(t.m))
	for name := range t.m {
		out[name] = true
	}
	return out
}

func (t *topicTable) list() []protocol.TopicConfig {
	t.mu.RLock()
	defer t.mu.RUnlock()
	names := slices.Sorted(maps.Keys(t.m))
	out := make([]protocol.TopicConfig, len(names))
	for i, n := range names {
		out[i] = t.m[n]
	}
	return out
}

func (t *topicTable) dataVersion() protocol.DataVersion {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.version
}

// ---- request handlers ----

func (b *Broker) topicHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeUpdateAndCreateTopic, b.handleUpdateAndCreateTopic},
		{remoting.CodeGetAllTopicConfig, b.handleGetAllTopicConfig},
		{remoting.CodeDeleteTopicInBroker, b.handleDeleteTopicInBroker},
		{remoting.CodeGetSystemTopicListFromBroker, b.handleGetSystemTopicList},
	}
}

// handleGetSystemTopicList is getSystemTopicListFromBroker: TopicValidator's system topic set,
// a HashSet, as a TopicList.
func (b *Broker) handleGetSystemTopicList(_ context.Context, req *remoting.Request) *remoting.Command {
	resp := answer(req.Command, remoting.Success, "")
	resp.Body = (&protocol.TopicList{Topics: protocol.JavaHashMapOrder(b.topics.sysTopicList, 16)}).Encode()
	return resp
}

func (b *Broker) handleGetAllTopicConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	topics, version := b.topics.snapshot()
	resp := remoting.NewResponse(req.Command, remoting.Success, "")
	resp.ExtFields = map[string]string{}
	resp.Body = (&protocol.TopicConfigSerializeWrapper{TopicConfigTable: topics, DataVersion: version}).Encode()
	return resp
}

func (b *Broker) handleUpdateAndCreateTopic(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeCreateTopicRequestHeader(cmd.ExtFields)
	// Java runs CreateTopicRequestHeader.checkFields (TopicFilterType.valueOf) when the request
	// has extFields at all.
	if cmd.ExtFields != nil {
		ft, ok := cmd.ExtFields[protocol.FieldTopicFilterType]
		if !ok {
			ft = "null"
		}
		if ft != string(protocol.SingleTag) && ft != string(protocol.MultiTag) {
			return answer(cmd, remoting.SystemError, "org.apache.rocketmq.remoting.exception.RemotingCommandException: topicFilterType = ["+
				ft+"] value invalid, "+javaHeaderPackage+"CreateTopicRequestHeader.checkFields(CreateTopicRequestHeader.java:50)")
		}
	}
	// A missing topic is Java's null, which validateTopic reads as blank.
	if verr := protocol.BrokerCheckTopic(h.Topic); verr != nil {
		return answer(cmd, remoting.SystemError, verr.Error())
	}
	if b.topics.isSystemTopic(h.Topic) {
		return answer(cmd, remoting.SystemError, "The topic["+h.Topic+"] is conflict with system topic.")
	}
	if resp := check(cmd, createTopicNeeds...); resp != nil {
		return resp
	}
	tc := protocol.NewTopicConfig(h.Topic)
	tc.ReadQueueNums, tc.WriteQueueNums, tc.Perm = h.ReadQueueNums, h.WriteQueueNums, h.Perm
	tc.TopicFilterType = h.TopicFilterType
	if h.TopicSysFlag != nil {
		tc.TopicSysFlag = *h.TopicSysFlag
	}
	b.createTopic(b.context(), tc)
	// createResponseCommand(null) starts with "not set any response code", and Java only sets
	// the code afterwards.
	return answer(cmd, remoting.Success, notSetRemark)
}

// notSetRemark is the remark RemotingCommand.createResponseCommand starts with.
const notSetRemark = "not set any response code"

// createTopicNeeds are the numbers updateAndCreateTopic unboxes, in its order.
var createTopicNeeds = []need{
	unboxed("CreateTopicRequestHeader", "readQueueNums", protocol.FieldReadQueueNums, "Integer",
		"org.apache.rocketmq.broker.processor.AdminBrokerProcessor.updateAndCreateTopic(AdminBrokerProcessor.java:270)"),
	unboxed("CreateTopicRequestHeader", "writeQueueNums", protocol.FieldWriteQueueNums, "Integer",
		"org.apache.rocketmq.broker.processor.AdminBrokerProcessor.updateAndCreateTopic(AdminBrokerProcessor.java:271)"),
	unboxed("CreateTopicRequestHeader", "perm", protocol.FieldPerm, "Integer",
		"org.apache.rocketmq.broker.processor.AdminBrokerProcessor.updateAndCreateTopic(AdminBrokerProcessor.java:273)"),
}

// createTopic stores tc and registers it two-way, as registerIncrementBrokerData.
func (b *Broker) createTopic(ctx context.Context, tc protocol.TopicConfig) {
	version := b.topics.update(tc)
	reg := tc
	if perm := b.permission(); !protocol.IsReadable(perm) || !protocol.IsWriteable(perm) {
		reg = protocol.NewTopicConfig(tc.TopicName)
		reg.ReadQueueNums, reg.WriteQueueNums, reg.Perm = tc.ReadQueueNums, tc.WriteQueueNums, perm
	}
	b.registerAll(ctx, regCreateTopic, false, true, &registerTable{
		topics: map[string]protocol.TopicConfig{tc.TopicName: reg}, version: version,
	})
}

// CreateTopic creates or replaces a topic as UPDATE_AND_CREATE_TOPIC does, registering it with
// the name servers (two-way) before it returns, so that routes change as on a real cluster.
// Unlike the request, it takes system topics and keeps tc.Order.
func (b *Broker) CreateTopic(ctx context.Context, tc protocol.TopicConfig) {
	if tc.TopicFilterType == "" {
		tc.TopicFilterType = protocol.SingleTag
	}
	b.createTopic(ctx, tc)
}

// remarkSlaveCannotModify is AdminBrokerProcessor.validateSlave's answer.
const remarkSlaveCannotModify = "Can't modify topic or subscription group from slave broker, please execute it from master broker."

func (b *Broker) handleDeleteTopicInBroker(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if b.cfg.brokerID != protocol.MasterID {
		return answer(cmd, remoting.SystemError, remarkSlaveCannotModify)
	}
	// Java's reflective decoder leaves a missing topic null, which validateTopic reads as blank.
	h, _ := protocol.DecodeDeleteTopicRequestHeader(cmd.ExtFields)
	if verr := protocol.BrokerCheckTopic(h.Topic); verr != nil {
		return answer(cmd, remoting.SystemError, verr.Error())
	}
	if b.topics.isSystemTopic(h.Topic) {
		return answer(cmd, remoting.SystemError, "The topic["+h.Topic+"] is conflict with system topic.")
	}
	if !protocol.IsLMQ(h.Topic) {
		b.deleteTopic(h.Topic)
	}
	return answer(cmd, remoting.Success, "")
}

// deleteTopic is what DELETE_TOPIC_IN_BROKER does to the broker: the topic leaves the table and
// the store forgets the consume queues of every topic the table does not hold.
func (b *Broker) deleteTopic(topic string) bool {
	deleted := b.topics.delete(topic)
	b.cleanUnusedTopics()
	b.forgetTopicStats(topic)
	return deleted
}

// DeleteTopic deletes a topic as DELETE_TOPIC_IN_BROKER does (its consume queues go, the
// commit log keeps its messages), then registers the table; false when the table did not hold
// it.
func (b *Broker) DeleteTopic(ctx context.Context, topic string) bool {
	if !b.deleteTopic(topic) {
		return false
	}
	b.registerAll(ctx, regAdmin, false, false, nil)
	return true
}

// SetPermission changes brokerPermission at run time, as mqadmin updateBrokerConfig does
// (UPDATE_BROKER_CONFIG brokerPermission=perm, see brokerconfig.go): the configuration's and
// the topic table's data versions move and the broker registers (two-way) with every topic
// carrying that perm before it returns. A broker that is not writable refuses sends to ordered
// topics (NO_PERMISSION); in 4.9.7 it still takes sends to other topics: clients just stop
// routing to it.
func (b *Broker) SetPermission(ctx context.Context, perm int32) {
	b.updateBrokerConfig(ctx, map[string]string{"brokerPermission": strconv.Itoa(int(perm))})
}

// isRetryTopic reports whether topic is a consumer group's retry topic.
func isRetryTopic(topic string) bool { return strings.HasPrefix(topic, retryTopicPrefix) }
