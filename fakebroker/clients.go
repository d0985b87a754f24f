package fakebroker

// clients.go serves 34 HEART_BEAT and 35 UNREGISTER_CLIENT and keeps the client table, as Java's
// ClientManageProcessor, ProducerManager, ConsumerManager, ConsumerGroupInfo and
// ClientHousekeepingService (4.9.7):
//
//   - A heartbeat puts its connection into every producer group and consumer group it names,
//     keyed by connection (a reconnecting client is a new entry), with its client id, language
//     and version, and refreshes the entry's last-update time. For each consumer group it first
//     finds (auto-creating) the subscription group and creates the group's retry topic
//     %RETRY%group (the group's retryQueueNums, perm 6) with a oneway registration when new; a
//     consumer group whose members (a new connection) or subscribed topics (one added or gone;
//     a newer subVersion is not a change) change gets NOTIFY_CONSUMER_IDS_CHANGED (40) pushed
//     to each member, the new one included, unless the group's notifyConsumerIdsChangedEnable
//     is off (a group without a config is notified). The answer has no extFields. A body that
//     is not a HeartbeatData is answered SYSTEM_ERROR (Java fails on the null it decodes to).
//   - Unregistering removes the connection from the named producer and/or consumer group
//     (the members left are notified, as for a heartbeat); the answer has empty extFields.
//   - A closed connection leaves every group at once (the members left in its consumer groups
//     are notified, whatever the groups' switches say); a consumer group left empty is
//     removed, a producer group stays in the table without members
//     (ProducerManager.doChannelCloseEvent removes the channel only; 204 shows it).
//   - 40 is oneway, its header the group's name, sent by Broker2Client.notifyConsumerIdsChanged
//     only while the broker's notifyConsumerIdsChangedEnable (a live setting) is on, and
//     through the fault injector, so a rule for code 40 drops or delays it.
//   - A scan (first after 10 s, then every 10 s) drops entries silent for more than 120 s and
//     closes their connections, without notifying; emptied groups go as on close.
//   - Producers are also found by client id (the connection a client id last joined a group
//     on: where a reply is pushed) and by group (a transaction check goes to the group's live
//     connections in turn), as ProducerManager.findChannel and getAvailableChannel.

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// notifyTimeout bounds the push of NOTIFY_CONSUMER_IDS_CHANGED to one consumer.
const notifyTimeout = 3 * time.Second

// clientChannel is Java's ClientChannelInfo: one connection of a client in one group.
type clientChannel struct {
	conn       *remoting.Conn
	clientID   string
	language   remoting.LanguageCode
	version    int32
	lastUpdate time.Time
}

type consumerGroupInfo struct {
	consumeType      protocol.ConsumeType
	messageModel     protocol.MessageModel
	consumeFromWhere protocol.ConsumeFromWhere
	channels         map[uint64]*clientChannel
	order            []uint64 // connection ids in the order they joined
	subs             map[string]protocol.SubscriptionData
	lastUpdate       time.Time
}

func (g *consumerGroupInfo) removeConn(id uint64) bool {
	if _, ok := g.channels[id]; !ok {
		return false
	}
	delete(g.channels, id)
	g.order = slices.DeleteFunc(g.order, func(x uint64) bool { return x == id })
	return true
}

func (g *consumerGroupInfo) conns() []*remoting.Conn {
	out := make([]*remoting.Conn, 0, len(g.order))
	for _, id := range g.order {
		out = append(out, g.channels[id].conn)
	}
	return out
}

type clientTable struct {
	mu        sync.Mutex
	producers map[string]map[uint64]*clientChannel
	consumers map[string]*consumerGroupInfo
	// producerConns is ProducerManager.clientChannelTable: a producer's connection by client
	// id, over which a reply is pushed to it (findChannel). As in Java it is written when a
	// connection joins a group and cleared by client id when one leaves any group, even while
	// the client has another connection.
	producerConns map[string]*remoting.Conn
	// checkCounter is ProducerManager's positiveAtomicCounter, which spreads transaction checks
	// over a group's connections (getAvailableChannel).
	checkCounter uint32
	changed      changeNotifier // see await.go
}

func newClientTable() *clientTable {
	return &clientTable{
		producers: map[string]map[uint64]*clientChannel{}, consumers: map[string]*consumerGroupInfo{},
		producerConns: map[string]*remoting.Conn{},
	}
}

func (b *Broker) clientHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeHeartBeat, b.handleHeartbeat},
		{remoting.CodeUnregisterClient, b.handleUnregisterClient},
	}
}

func newChannel(req *remoting.Request, clientID string) *clientChannel {
	return &clientChannel{
		conn: req.Conn, clientID: clientID, language: req.Command.Language,
		version: req.Command.Version, lastUpdate: time.Now(),
	}
}

func (b *Broker) handleHeartbeat(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	if len(cmd.Body) == 0 {
		return answer(cmd, remoting.SystemError, nullBodyRemark)
	}
	hb, err := protocol.DecodeHeartbeatData(cmd.Body)
	if err != nil {
		return answer(cmd, remoting.SystemError, "com.alibaba.fastjson.JSONException: "+err.Error())
	}
	for _, cd := range hb.ConsumerDataSet {
		notify := true // a group without a config (auto-creation off) is notified
		if sg, ok := b.subscriptionGroup(cd.GroupName); ok {
			notify = sg.NotifyConsumerIDsChangedEnable
			var sysFlag int32
			if cd.UnitMode {
				sysFlag = protocol.TopicSysFlagUnitSub
			}
			if _, created := b.topics.createInSendMessageBack(retryTopicPrefix+cd.GroupName, sg.RetryQueueNums,
				protocol.PermRead|protocol.PermWrite, sysFlag); created {
				b.registerOneway(regRetryTopic)
			}
		}
		if members := b.clients.registerConsumer(cd, newChannel(req, hb.ClientID)); members != nil && notify {
			b.notifyConsumerIDsChanged(cd.GroupName, members)
		}
	}
	for _, pd := range hb.ProducerDataSet {
		b.clients.registerProducer(pd.GroupName, newChannel(req, hb.ClientID))
	}
	return answer(cmd, remoting.Success, "")
}

// registerProducer is ProducerManager.registerProducer.
func (t *clientTable) registerProducer(group string, ch *clientChannel) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.changed.notify()
	table := t.producers[group]
	if table == nil {
		table = map[uint64]*clientChannel{}
		t.producers[group] = table
	}
	if old, ok := table[ch.conn.ID()]; ok {
		old.lastUpdate = ch.lastUpdate
		return
	}
	table[ch.conn.ID()] = ch
	t.producerConns[ch.clientID] = ch.conn
}

// producerConn is ProducerManager.findChannel: the connection a client id last joined a
// producer group on.
func (t *clientTable) producerConn(clientID string) *remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.producerConns[clientID]
}

// availableProducer is ProducerManager.getAvailableChannel: one connection of the group, taken
// in turn, the first of at most three that is alive (Java falls back to one that is alive but
// not writable, which a fake's connection never is). Java's list follows a ConcurrentHashMap's
// order; the fake's is the order the connections joined.
func (t *clientTable) availableProducer(group string) *remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	table := t.producers[group]
	if len(table) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(table))
	t.checkCounter = (t.checkCounter + 1) & 0x7fffffff
	index := int(t.checkCounter) % len(ids)
	for range 3 {
		if conn := table[ids[index]].conn; conn.Alive() {
			return conn
		}
		index = (index + 1) % len(ids)
	}
	return nil
}

// registerConsumer is ConsumerManager.registerConsumer; it returns the members to notify when
// the group changed (nil otherwise).
func (t *clientTable) registerConsumer(cd protocol.ConsumerData, ch *clientChannel) []*remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.changed.notify()
	g := t.consumers[cd.GroupName]
	if g == nil {
		g = &consumerGroupInfo{channels: map[uint64]*clientChannel{}, subs: map[string]protocol.SubscriptionData{}}
		t.consumers[cd.GroupName] = g
	}
	g.consumeType, g.messageModel, g.consumeFromWhere = cd.ConsumeType, cd.MessageModel, cd.ConsumeFromWhere
	changed := false
	id := ch.conn.ID()
	if old, ok := g.channels[id]; ok {
		if old.clientID != ch.clientID {
			g.channels[id] = ch // Java logs a [BUG] and replaces the entry
		}
		g.channels[id].lastUpdate = ch.lastUpdate
	} else {
		g.channels[id] = ch
		g.order = append(g.order, id)
		changed = true
	}
	// updateSubscription: new or dropped topics change the group; a newer version replaces.
	seen := map[string]bool{}
	for _, sd := range cd.SubscriptionDataSet {
		seen[sd.Topic] = true
		old, ok := g.subs[sd.Topic]
		switch {
		case !ok:
			g.subs[sd.Topic] = sd
			changed = true
		case sd.SubVersion > old.SubVersion:
			g.subs[sd.Topic] = sd
		}
	}
	for topic := range g.subs {
		if !seen[topic] {
			delete(g.subs, topic)
			changed = true
		}
	}
	g.lastUpdate = ch.lastUpdate
	if !changed {
		return nil
	}
	return g.conns()
}

func (b *Broker) handleUnregisterClient(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	h, _ := protocol.DecodeUnregisterClientRequestHeader(cmd.ExtFields)
	id := req.Conn.ID()
	if h.ProducerGroup != "" {
		// Java removes the client id from a map that refuses null keys, when the group has members.
		if b.clients.hasProducers(h.ProducerGroup) {
			if resp := check(cmd, keyed(protocol.FieldClientID)); resp != nil {
				return resp
			}
		}
		b.clients.unregisterProducer(h.ProducerGroup, id, h.ClientID)
	}
	if h.ConsumerGroup != "" {
		notify := true
		if sg, ok := b.subscriptionGroup(h.ConsumerGroup); ok {
			notify = sg.NotifyConsumerIDsChangedEnable
		}
		if members, ok := b.clients.unregisterConsumer(h.ConsumerGroup, id); ok && notify {
			b.notifyConsumerIDsChanged(h.ConsumerGroup, members)
		}
	}
	return answerWithHeader(cmd, remoting.Success, "")
}

func (t *clientTable) hasProducers(group string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.producers[group]) > 0
}

func (t *clientTable) unregisterProducer(group string, conn uint64, clientID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.changed.notify()
	table := t.producers[group]
	if len(table) == 0 {
		return
	}
	delete(table, conn)
	delete(t.producerConns, clientID)
	if len(table) == 0 {
		delete(t.producers, group)
	}
}

// unregisterConsumer is ConsumerManager.unregisterConsumer: ok when the group existed, with
// the members left to notify.
func (t *clientTable) unregisterConsumer(group string, conn uint64) ([]*remoting.Conn, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.changed.notify()
	g := t.consumers[group]
	if g == nil {
		return nil, false
	}
	g.removeConn(conn)
	if len(g.channels) == 0 {
		delete(t.consumers, group)
	}
	return g.conns(), true
}

// clientsConnClosed is doChannelCloseEvent of both managers.
func (b *Broker) clientsConnClosed(conn uint64) {
	notify := b.clients.connClosed(conn)
	for _, group := range slices.Sorted(maps.Keys(notify)) {
		b.notifyConsumerIDsChanged(group, notify[group])
	}
}

func (t *clientTable) connClosed(conn uint64) map[string][]*remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.changed.notify()
	for _, table := range t.producers {
		// An emptied producer group stays, as in Java: only UNREGISTER_CLIENT removes it.
		if ch, ok := table[conn]; ok {
			delete(table, conn)
			delete(t.producerConns, ch.clientID)
		}
	}
	notify := map[string][]*remoting.Conn{}
	for group, g := range t.consumers {
		if !g.removeConn(conn) {
			continue
		}
		if len(g.channels) == 0 {
			delete(t.consumers, group)
		}
		notify[group] = g.conns()
	}
	return notify
}

// notifyConsumerIDsChanged is DefaultConsumerIdsChangeListener's CHANGE event: with
// notifyConsumerIdsChangedEnable, Broker2Client.notifyConsumerIdsChanged pushes 40 to each
// member, oneway, through the fault injector (a rule for code 40 drops or delays it).
func (b *Broker) notifyConsumerIDsChanged(group string, members []*remoting.Conn) {
	if !b.settings.notifyConsumerIDs.Load() || group == "" {
		return
	}
	for _, c := range members {
		req := protocol.RequestWithHeader(remoting.CodeNotifyConsumerIDsChanged,
			protocol.NotifyConsumerIdsChangedRequestHeader{ConsumerGroup: group}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
		if err := b.inj.InvokeOneway(ctx, c, req); err != nil {
			b.log.Debug("fakebroker: notifyConsumerIdsChanged failed", "group", group, "reason", err)
		}
		cancel()
	}
}

// scanClients is ClientHousekeepingService.scanExceptionChannel: entries silent for longer than
// the expiry leave their groups and their connections are closed.
func (b *Broker) scanClients() {
	for _, c := range b.clients.expire(time.Now(), b.cfg.clientExpiry) {
		b.log.Info("fakebroker: client expired", "addr", c.RemoteAddr())
		_ = c.Close()
	}
}

func (t *clientTable) expire(now time.Time, expiry time.Duration) []*remoting.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.changed.notify()
	closing := map[uint64]*remoting.Conn{}
	for _, table := range t.producers {
		for id, ch := range table {
			if now.Sub(ch.lastUpdate) > expiry {
				delete(table, id)
				delete(t.producerConns, ch.clientID)
				closing[id] = ch.conn
			}
		}
	}
	for group, g := range t.consumers {
		for _, id := range slices.Clone(g.order) {
			if ch := g.channels[id]; now.Sub(ch.lastUpdate) > expiry {
				g.removeConn(id)
				closing[id] = ch.conn
			}
		}
		if len(g.channels) == 0 {
			delete(t.consumers, group)
		}
	}
	out := make([]*remoting.Conn, 0, len(closing))
	for _, id := range slices.Sorted(maps.Keys(closing)) {
		out = append(out, closing[id])
	}
	return out
}

func (b *Broker) clientScanLoop(ctx context.Context) {
	b.every(ctx, b.cfg.clientScanDelay, func() time.Duration {
		b.scanClients()
		return b.cfg.clientScanInterval
	})
}

// consumerGroup returns a copy of what the table holds for a consumer group.
// subscription is what a pull without its own subscription needs of its group, read in place:
// consumerGroup's copies of the member list and the subscription map cost a pull more than the
// rest of its bookkeeping.
func (t *clientTable) subscription(group, topic string) (sub protocol.SubscriptionData, model protocol.MessageModel, groupOK, subOK bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.consumers[group]
	if g == nil {
		return protocol.SubscriptionData{}, "", false, false
	}
	sub, subOK = g.subs[topic]
	return sub, g.messageModel, true, subOK
}

func (t *clientTable) consumerGroup(group string) (clientIDs []string, subs map[string]protocol.SubscriptionData, model protocol.MessageModel, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.consumers[group]
	if g == nil {
		return nil, nil, "", false
	}
	for _, id := range g.order {
		clientIDs = append(clientIDs, g.channels[id].clientID)
	}
	return clientIDs, maps.Clone(g.subs), g.messageModel, true
}
