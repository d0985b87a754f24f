package client

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// State is a producer's or client instance's service state (Java ServiceState).
type State int32

// The states in Java's order.
const (
	StateCreateJust State = iota
	StateRunning
	StateShutdownAlready
	StateStartFailed
)

func (s State) String() string {
	switch s {
	case StateCreateJust:
		return "CREATE_JUST"
	case StateRunning:
		return "RUNNING"
	case StateShutdownAlready:
		return "SHUTDOWN_ALREADY"
	case StateStartFailed:
		return "START_FAILED"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// InnerProducerGroup is the group Java's client instance registers for its own producer; every
// heartbeat lists it, and the instance unregisters it from the brokers when it stops.
const InnerProducerGroup = "CLIENT_INNER_PRODUCER"

// Manager holds the client instances of a process by client id, as Java's MQClientManager
// does, but as a value: tests and embedders that want isolation make their own with
// NewManager, everyone else shares DefaultManager. Producers and consumers with the same client
// id share an instance.
type Manager struct {
	mu        sync.Mutex
	instances map[string]*instance
}

// NewManager returns an empty manager.
func NewManager() *Manager { return &Manager{instances: make(map[string]*instance)} }

// DefaultManager is the manager of producers that do not name one (WithManager).
var DefaultManager = NewManager()

// ClientIDs returns the ids of the instances the manager holds, sorted.
func (m *Manager) ClientIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.instances))
	for id := range m.instances {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Snapshot returns a copy of what the instance with the given client id knows.
func (m *Manager) Snapshot(clientID string) (InstanceSnapshot, bool) {
	m.mu.Lock()
	inst := m.instances[clientID]
	m.mu.Unlock()
	if inst == nil {
		return InstanceSnapshot{}, false
	}
	return inst.snapshot(), true
}

// acquire finds or creates the instance for clientID and registers p's group in it, in one
// step under the manager's lock so that an instance that is being stopped by its last producer
// can never take a new one.
func (m *Manager) acquire(cfg config, clientID, group string, p *Producer) (*instance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst := m.instances[clientID]
	if inst == nil {
		// Like Java, the first producer's configuration is the instance's for good.
		inst = newInstance(m, clientID, cfg)
		m.instances[clientID] = inst
	}
	if !inst.registerProducer(group, p) {
		return nil, duplicateGroupError(group)
	}
	return inst, nil
}

// acquireConsumer is acquire for a consumer group, Java's getOrCreateMQClientInstance and
// registerConsumer: prepare readies the consumer for the instance (its offset store, its
// consume service) before it is registered, under the manager's lock, so that nothing the
// instance does for its consumers finds it half made.
func (m *Manager) acquireConsumer(cfg config, clientID, group string, c consumerInner, prepare func(*instance) error) (*instance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst := m.instances[clientID]
	created := inst == nil
	if created {
		inst = newInstance(m, clientID, cfg)
	}
	if _, dup := inst.selectConsumer(group); dup {
		return nil, duplicateConsumerGroupError(group)
	}
	if err := prepare(inst); err != nil {
		return nil, err
	}
	if created {
		m.instances[clientID] = inst
	}
	inst.registerConsumer(group, c)
	return inst, nil
}

// releaseLocked removes inst when only its inner producer is left, reporting whether it did;
// m.mu is held.
func (m *Manager) releaseLocked(inst *instance) bool {
	if inst.producerCount() > 1 || inst.consumerCount() > 0 {
		return false
	}
	if m.instances[inst.id] == inst {
		delete(m.instances, inst.id)
	}
	return true
}

// buildClientID is Java's buildMQClientId; stream is its enableStreamRequestType, which a lite
// pull consumer sets.
func buildClientID(ip, instanceName, unitName string, stream bool) string {
	id := ip + "@" + instanceName
	if unitName != "" {
		id += "@" + unitName
	}
	if stream {
		id += "@STREAM"
	}
	return id
}

var lastInstanceNanos atomic.Int64

// pidInstanceName is what Java 4.9+ renames the instance "DEFAULT" to: "PID#nanoTime". The
// value only has to be unique in the process; inside a synctest bubble the clock stands still,
// so a counter keeps two names taken at the same instant apart.
func pidInstanceName() string {
	now := time.Now().UnixNano()
	for {
		last := lastInstanceNanos.Load()
		next := max(now, last+1)
		if lastInstanceNanos.CompareAndSwap(last, next) {
			return fmt.Sprintf("%d#%d", os.Getpid(), next)
		}
	}
}

// localIP is Java's RemotingUtil.getLocalAddress: the first IPv4 address that is neither
// loopback nor 192.168.*, else the last IPv4 address seen, else the first IPv6, else loopback.
func localIP() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "127.0.0.1"
	}
	var v4, v6 []net.IP
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 || isBridge(iface.Name) {
			continue
		}
		addrs, _ := iface.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.IsLoopback() {
				continue
			}
			if ip4 := ipn.IP.To4(); ip4 != nil {
				v4 = append(v4, ip4)
			} else {
				v6 = append(v6, ipn.IP)
			}
		}
	}
	for _, ip := range v4 {
		if ip[0] != 127 && !(ip[0] == 192 && ip[1] == 168) {
			return ip.String()
		}
	}
	if len(v4) > 0 {
		return v4[len(v4)-1].String()
	}
	if len(v6) > 0 {
		return v6[0].String()
	}
	return "127.0.0.1"
}

func isBridge(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name + "/bridge")
	return err == nil
}
