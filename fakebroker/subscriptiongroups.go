package fakebroker

// subscriptiongroups.go serves 200 UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, 201
// GET_ALL_SUBSCRIPTIONGROUP_CONFIG and 207 DELETE_SUBSCRIPTIONGROUP (mqadmin updateSubGroup,
// the subscription-group listing and deleteSubGroup) and holds the broker's subscription
// groups, as Java's SubscriptionGroupManager and AdminBrokerProcessor (4.9.7):
//
//   - The table starts with the groups a 4.9.7 broker creates: TOOLS_CONSUMER,
//     FILTERSRV_CONSUMER, SELF_TEST_C_GROUP, CID_ONS-HTTP-PROXY, CID_ONSAPI_PULL,
//     CID_ONSAPI_PERMISSION and CID_ONSAPI_OWNER, each with Java's defaults (consume enabled,
//     broadcast allowed, 1 retry queue, 16 retries, brokerId 0, whichBrokerWhenConsumeSlowly 1,
//     notifications on).
//   - findSubscriptionGroupConfig, which heartbeats, pulls, sends to %RETRY% topics and
//     send-backs call, creates a missing group with the defaults when autoCreateSubscriptionGroup
//     is on (a live setting) or the group's name starts with CID_RMQ_SYS_; each creation moves
//     the table's data version.
//   - What a group's config changes: consumeEnable false refuses its pulls (16 "subscription
//     group no permission, G"), consumeBroadcastEnable false refuses the pulls of a group whose
//     heartbeats say BROADCASTING, retryQueueNums sizes %RETRY%group when a heartbeat or a
//     send-back creates it (and 0 or less makes a send-back a no-op answered SUCCESS),
//     retryMaxTimes is where retries end in %DLQ%group (send-back and sends to %RETRY% topics,
//     unless the request names its own maximum), and notifyConsumerIdsChangedEnable false keeps
//     heartbeats and unregisters from pushing NOTIFY_CONSUMER_IDS_CHANGED to the group (a
//     closed connection still does). brokerId and whichBrokerWhenConsumeSlowly matter only to
//     brokers reading from slaves, which the fake does not model.
//   - 200's body is a SubscriptionGroupConfig in JSON (fields left out keep Java's defaults); it
//     replaces the group's config whole and moves the version. A body that decodes to null
//     changes nothing; one without a groupName is Java's NullPointerException from the
//     ConcurrentHashMap it is put into; no body at all is the NullPointerException of decoding
//     it. 207 forgets the group (the version moves if it was there) and, with removeOffset, its
//     consumer offsets on every topic; a deleted group is created again on its next use when
//     auto-creation is on. Both refuse on a slave (SYSTEM_ERROR "Can't modify topic or
//     subscription group from slave broker, ..."). The answers are SUCCESS without remark or
//     extFields.
//   - 201 answers the whole table and its data version as the manager's encode writes it (what
//     mqadmin reads as a SubscriptionGroupWrapper), groups in the order of its
//     ConcurrentHashMap, without extFields.

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// sysConsumerGroupPrefix is MixAll.CID_RMQ_SYS_PREFIX: groups created whatever
// autoCreateSubscriptionGroup says.
const sysConsumerGroupPrefix = "CID_RMQ_SYS_"

// systemSubscriptionGroups are the groups SubscriptionGroupManager.init puts in the table, in
// its order; the last four allow broadcasting explicitly, which is the default anyway.
var systemSubscriptionGroups = []string{
	"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP", "CID_ONS-HTTP-PROXY",
	"CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION", "CID_ONSAPI_OWNER",
}

// groupPutNullKey is ConcurrentHashMap.putVal refusing a null key, Java 17's text and frame.
const groupPutNullKey = "java.lang.NullPointerException, java.base/java.util.concurrent.ConcurrentHashMap.putVal(ConcurrentHashMap.java:1011)"

type subscriptionGroups struct {
	mu      sync.Mutex
	m       map[string]protocol.SubscriptionGroupConfig
	order   []string // in the order they were put: a ConcurrentHashMap bin keeps it
	version protocol.DataVersion
}

func newSubscriptionGroups() *subscriptionGroups {
	g := &subscriptionGroups{
		m:       map[string]protocol.SubscriptionGroupConfig{},
		version: protocol.DataVersion{Timestamp: time.Now().UnixMilli()},
	}
	for _, name := range systemSubscriptionGroups {
		g.putLocked(protocol.NewSubscriptionGroupConfig(name))
	}
	return g
}

func (g *subscriptionGroups) putLocked(c protocol.SubscriptionGroupConfig) {
	if _, ok := g.m[c.GroupName]; !ok {
		g.order = append(g.order, c.GroupName)
	}
	g.m[c.GroupName] = c
}

func (g *subscriptionGroups) nextVersionLocked() {
	g.version.Timestamp = time.Now().UnixMilli()
	g.version.Counter++
}

// find is findSubscriptionGroupConfig: the group's config, created with Java's defaults when it
// is missing and autoCreate is on or the group is a system one.
func (g *subscriptionGroups) find(group string, autoCreate bool) (protocol.SubscriptionGroupConfig, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.m[group]; ok {
		return c, true
	}
	if !autoCreate && !strings.HasPrefix(group, sysConsumerGroupPrefix) {
		return protocol.SubscriptionGroupConfig{}, false
	}
	c := protocol.NewSubscriptionGroupConfig(group)
	g.putLocked(c)
	g.nextVersionLocked()
	return c, true
}

// get looks a group up without creating it.
func (g *subscriptionGroups) get(group string) (protocol.SubscriptionGroupConfig, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.m[group]
	return c, ok
}

// update is updateSubscriptionGroupConfig: the config replaces the group's whole.
func (g *subscriptionGroups) update(c protocol.SubscriptionGroupConfig) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.putLocked(c)
	g.nextVersionLocked()
}

// delete is deleteSubscriptionGroupConfig; it reports whether the group was there.
func (g *subscriptionGroups) delete(group string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.m[group]; !ok {
		return false
	}
	delete(g.m, group)
	g.order = slices.DeleteFunc(g.order, func(s string) bool { return s == group })
	g.nextVersionLocked()
	return true
}

// list returns every config in the order of Java's table.
func (g *subscriptionGroups) list() ([]protocol.SubscriptionGroupConfig, protocol.DataVersion) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]protocol.SubscriptionGroupConfig, 0, len(g.m))
	for _, name := range protocol.SubscriptionGroupOrder(g.order) {
		out = append(out, g.m[name])
	}
	return out, g.version
}

// subscriptionGroup is findSubscriptionGroupConfig with the broker's live
// autoCreateSubscriptionGroup.
func (b *Broker) subscriptionGroup(group string) (protocol.SubscriptionGroupConfig, bool) {
	return b.groups.find(group, b.settings.autoCreateGroup.Load())
}

func (b *Broker) subscriptionGroupHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeUpdateAndCreateSubscriptionGroup, b.handleUpdateSubscriptionGroup},
		{remoting.CodeGetAllSubscriptionGroupConfig, b.handleGetAllSubscriptionGroups},
		{remoting.CodeDeleteSubscriptionGroup, b.handleDeleteSubscriptionGroup},
	}
}

func (b *Broker) handleUpdateSubscriptionGroup(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if b.cfg.brokerID != protocol.MasterID {
		return answer(cmd, remoting.SystemError, remarkSlaveCannotModify)
	}
	if len(cmd.Body) == 0 {
		return answer(cmd, remoting.SystemError, nullBodyRemark)
	}
	if text := strings.TrimSpace(string(cmd.Body)); text == "" || text == "null" {
		return answer(cmd, remoting.Success, "") // fastjson decodes it to null: nothing to put
	}
	c, err := protocol.DecodeSubscriptionGroupConfig(cmd.Body)
	if err != nil {
		return answer(cmd, remoting.SystemError, "com.alibaba.fastjson.JSONException: "+err.Error())
	}
	if c.GroupName == "" {
		return answer(cmd, remoting.SystemError, groupPutNullKey)
	}
	b.groups.update(*c)
	return answer(cmd, remoting.Success, "")
}

func (b *Broker) handleGetAllSubscriptionGroups(_ context.Context, req *remoting.Request) *remoting.Command {
	configs, version := b.groups.list()
	wr := &protocol.SubscriptionGroupWrapper{SubscriptionGroupTable: make(map[string]protocol.SubscriptionGroupConfig, len(configs)), DataVersion: version}
	for _, c := range configs {
		wr.SubscriptionGroupTable[c.GroupName] = c
	}
	resp := answer(req.Command, remoting.Success, "")
	resp.Body = wr.Encode()
	return resp
}

func (b *Broker) handleDeleteSubscriptionGroup(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if b.cfg.brokerID != protocol.MasterID {
		return answer(cmd, remoting.SystemError, remarkSlaveCannotModify)
	}
	h, _ := protocol.DecodeDeleteSubscriptionGroupRequestHeader(cmd.ExtFields)
	if _, ok := cmd.ExtFields[protocol.FieldGroupName]; !ok {
		return answer(cmd, remoting.SystemError, groupRemoveNullKey)
	}
	b.deleteSubscriptionGroup(h.GroupName, h.RemoveOffset)
	return answer(cmd, remoting.Success, "")
}

// groupRemoveNullKey is ConcurrentHashMap.remove hashing a null key, Java 17's text and frame.
const groupRemoveNullKey = `java.lang.NullPointerException: Cannot invoke "Object.hashCode()" because "key" is null, ` +
	`java.base/java.util.concurrent.ConcurrentHashMap.replaceNode(ConcurrentHashMap.java:1111)`

func (b *Broker) deleteSubscriptionGroup(group string, removeOffset bool) bool {
	deleted := b.groups.delete(group)
	if removeOffset {
		b.offsets.removeGroup(group)
	}
	b.forgetGroupStats(group)
	return deleted
}

// SubscriptionGroup returns a subscription group's config, without creating it.
func (b *Broker) SubscriptionGroup(group string) (protocol.SubscriptionGroupConfig, bool) {
	return b.groups.get(group)
}

// SubscriptionGroups returns every subscription group's config, in the order
// GET_ALL_SUBSCRIPTIONGROUP_CONFIG lists them.
func (b *Broker) SubscriptionGroups() []protocol.SubscriptionGroupConfig {
	configs, _ := b.groups.list()
	return configs
}

// UpdateSubscriptionGroup creates or replaces a subscription group's config, as
// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP does. It needs a group name.
func (b *Broker) UpdateSubscriptionGroup(c protocol.SubscriptionGroupConfig) {
	if c.GroupName != "" {
		b.groups.update(c)
	}
}

// AddSubscriptionGroup creates a subscription group with Java's defaults unless it exists: what
// a broker with autoCreateSubscriptionGroup does on the group's first use.
func (b *Broker) AddSubscriptionGroup(group string) { b.groups.find(group, true) }

// DeleteSubscriptionGroup forgets a subscription group, as DELETE_SUBSCRIPTIONGROUP does, and
// with removeOffset its consumer offsets; it reports whether the group existed.
func (b *Broker) DeleteSubscriptionGroup(group string, removeOffset bool) bool {
	return b.deleteSubscriptionGroup(group, removeOffset)
}
