package fakebroker

// register.go sends 103 REGISTER_BROKER and 104 UNREGISTER_BROKER to every configured name
// server, as Java's BrokerController.registerBrokerAll and BrokerOuterAPI (4.9.7):
//
//   - at start, a two-way registration (registerBrokerAll(true, false, true));
//   - periodically, first DefaultRegisterDelay (10 s) after start and then every
//     registerNameServerPeriod (30 s), a two-way registration (forceRegister is true by
//     default, so there is no QUERY_DATA_VERSION first);
//   - right after a topic is auto-created on send (and a retry or dead-letter topic on
//     heartbeat or send), a oneway registration of the whole table;
//   - after UPDATE_AND_CREATE_TOPIC, a two-way registration carrying only that topic and the
//     new data version (registerIncrementBrokerData);
//   - on shutdown, UNREGISTER_BROKER to each name server in turn (3 s timeout each).
//
// The body is the whole topic table (perm replaced by brokerPermission when the broker is not
// read+write) with the data version and an empty filter server list, zlib-compressed when
// compressedRegister is on; the header carries bodyCrc32. Registrations go to all name servers
// at once and wait at most registerBrokerTimeoutMills (6 s). When a two-way registration made
// with checkOrderConfig (start and periodic) is answered with a KV table, the order flag of each
// topic follows it (updateOrderTopicConfig). Failures are logged and recorded, never fatal.
// Registrations are serialized, as Java's synchronized registerBrokerAll: a send that
// auto-creates a topic waits for a periodic registration in flight, as on a real broker.

import (
	"context"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Why a registration was sent (Registration.Reason).
const (
	regStart        = "start"
	regPeriodic     = "periodic"
	regAutoCreate   = "auto-create"
	regRetryTopic   = "retry-topic"
	regCreateTopic  = "create-topic"
	regAdmin        = "admin"
	regBrokerConfig = "broker-config"
	regTransaction  = "transaction-check"
	regShutdown     = "shutdown"
)

// Registration is one REGISTER_BROKER (103) or UNREGISTER_BROKER (104) the broker sent.
type Registration struct {
	Time       time.Time
	NameServer string
	Code       int32 // remoting.CodeRegisterBroker or remoting.CodeUnregisterBroker
	Oneway     bool
	// Reason is what caused it: "start", "periodic", "auto-create", "retry-topic",
	// "create-topic", "transaction-check", "broker-config" (UPDATE_BROKER_CONFIG or
	// SetPermission), "admin" or "shutdown".
	Reason      string
	DataVersion protocol.DataVersion
	Topics      []string // the topics in the body, sorted (none for 104)
	// ResponseCode is the name server's answer, or -1 when there was none (oneway, error).
	ResponseCode int32
	Err          error
}

type registrations struct {
	mu      sync.Mutex
	list    []Registration
	changed chan struct{}
}

func (r *registrations) add(reg Registration) {
	r.mu.Lock()
	r.list = append(r.list, reg)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
	r.mu.Unlock()
}

func (r *registrations) snapshot() []Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.list)
}

// wait returns the list and a channel closed at the next change.
func (r *registrations) wait() ([]Registration, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	return slices.Clone(r.list), r.changed
}

// registerTable is the body of an incremental registration.
type registerTable struct {
	topics  map[string]protocol.TopicConfig
	version protocol.DataVersion
}

func (b *Broker) haServerAddr(addr string) string {
	if b.cfg.haAddr != "" {
		return b.cfg.haAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	n, _ := strconv.Atoi(port)
	return net.JoinHostPort(host, strconv.Itoa(n+1))
}

// registerAll sends REGISTER_BROKER to every name server; inc, when set, replaces the whole
// table (registerIncrementBrokerData).
func (b *Broker) registerAll(ctx context.Context, reason string, oneway, checkOrder bool, inc *registerTable) {
	b.mu.Lock()
	running, silenced, client, addr := b.running, b.silenced, b.nsClient, b.addr
	b.mu.Unlock()
	nameServers := b.nameServers()
	if !running || silenced || client == nil || len(nameServers) == 0 {
		return
	}
	b.regMu.Lock()
	defer b.regMu.Unlock()

	var topics map[string]protocol.TopicConfig
	var version protocol.DataVersion
	if inc != nil {
		topics, version = inc.topics, inc.version
	} else {
		topics, version = b.topics.snapshot()
	}
	body := protocol.RegisterBrokerBody{
		TopicConfigSerializeWrapper: protocol.TopicConfigSerializeWrapper{TopicConfigTable: topics, DataVersion: version},
		FilterServerList:            []string{},
	}
	compressed := b.settings.compressedRegister.Load()
	data, err := body.Encode(compressed)
	if err != nil {
		b.log.Error("fakebroker: register body not encodable", "reason", err)
		return
	}
	header := protocol.RegisterBrokerRequestHeader{
		BrokerName:   b.cfg.name,
		BrokerAddr:   addr,
		ClusterName:  b.cfg.cluster,
		HAServerAddr: b.haServerAddr(addr),
		BrokerID:     b.cfg.brokerID,
		Compressed:   compressed,
		BodyCRC32:    protocol.BodyCRC32(data),
	}
	names := make([]string, 0, len(topics))
	for n := range topics {
		names = append(names, n)
	}
	slices.Sort(names)

	timeout := b.registerTimeout()
	answers := make([]*remoting.Command, len(nameServers))
	var wg sync.WaitGroup
	for i, ns := range nameServers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			req := protocol.RequestWithHeader(remoting.CodeRegisterBroker, header, data)
			rec := Registration{
				Time: time.Now(), NameServer: ns, Code: remoting.CodeRegisterBroker, Oneway: oneway,
				Reason: reason, DataVersion: version, Topics: names, ResponseCode: -1,
			}
			if oneway {
				rec.Err = client.InvokeOneway(rctx, ns, req)
			} else {
				resp, err := client.Invoke(rctx, ns, req)
				rec.Err = err
				if resp != nil {
					rec.ResponseCode = resp.Code
					if resp.Code == remoting.Success {
						answers[i] = resp
					}
				}
			}
			if rec.Err != nil {
				b.log.Warn("fakebroker: registerBroker failed", "namesrv", ns, "reason", rec.Err)
			}
			b.regs.add(rec)
		}()
	}
	wg.Wait()

	if !checkOrder {
		return
	}
	for _, resp := range answers {
		if resp == nil {
			continue
		}
		if len(resp.Body) > 0 {
			if kv, err := protocol.DecodeKVTable(resp.Body); err == nil {
				b.topics.updateOrder(kv.Table)
			}
		}
		return // Java reads the first result only
	}
}

// unregisterAll sends UNREGISTER_BROKER to each name server in turn.
func (b *Broker) unregisterAll(ctx context.Context, client *remoting.Client) {
	b.mu.Lock()
	addr := b.addr
	b.mu.Unlock()
	header := protocol.UnRegisterBrokerRequestHeader{
		BrokerName: b.cfg.name, BrokerAddr: addr, ClusterName: b.cfg.cluster, BrokerID: b.cfg.brokerID,
	}
	ctx = context.WithoutCancel(ctx)
	for _, ns := range b.nameServers() {
		rctx, cancel := context.WithTimeout(ctx, DefaultUnregisterTimeout)
		rec := Registration{
			Time: time.Now(), NameServer: ns, Code: remoting.CodeUnregisterBroker, Reason: regShutdown,
			DataVersion: b.topics.dataVersion(), ResponseCode: -1,
		}
		resp, err := client.Invoke(rctx, ns, protocol.RequestWithHeader(remoting.CodeUnregisterBroker, header, nil))
		cancel()
		rec.Err = err
		if resp != nil {
			rec.ResponseCode = resp.Code
		}
		if err != nil {
			b.log.Warn("fakebroker: unregisterBroker failed", "namesrv", ns, "reason", err)
		}
		b.regs.add(rec)
	}
}

func (b *Broker) registerLoop(ctx context.Context) {
	b.every(ctx, b.cfg.registerDelay, func() time.Duration {
		b.registerAll(ctx, regPeriodic, false, true, nil)
		if b.cfg.registerInterval <= 0 {
			return DefaultRegisterInterval
		}
		return b.cfg.registerInterval
	})
}

// RegisterNow sends a two-way REGISTER_BROKER of the whole table to every name server and
// returns when they have answered or timed out (a no-op while silenced or stopped).
func (b *Broker) RegisterNow(ctx context.Context) {
	b.registerAll(ctx, regAdmin, false, true, nil)
}

// registerOneway is what Java does after creating a topic on its own: registerBrokerAll(false,
// true, true), a oneway registration of the whole table.
func (b *Broker) registerOneway(reason string) {
	b.registerAll(b.context(), reason, true, false, nil)
}

// context is the broker's run context: it ends when the broker stops. Registrations that a
// request causes use it, not the request's, so that they go on if the client leaves.
func (b *Broker) context() context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.runCtx == nil {
		return context.Background()
	}
	return b.runCtx
}
