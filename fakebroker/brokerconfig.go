package fakebroker

// brokerconfig.go serves 25 UPDATE_BROKER_CONFIG and 26 GET_BROKER_CONFIG (what mqadmin
// updateBrokerConfig and getBrokerConfig send) and holds the broker's configuration, as
// AdminBrokerProcessor.updateBrokerConfig and getBrokerConfig and the Configuration they call
// do in 4.9.7:
//
//   - The configuration is every field of BrokerConfig, NettyServerConfig, NettyClientConfig
//     and MessageStoreConfig by name, as text; a field whose value is null (namesrvAddr on a
//     broker without name servers, storePathCommitLog, haMasterAddress, ...) is not listed.
//     The fields, their defaults and the setters are brokerconfig_java.go, generated from the
//     4.9.7 jars by brokerconfig_gen.go. Where the fake has a setting of its own (name,
//     cluster, id, addresses and ports, name servers, permission, auto-creation, queue counts,
//     sizes, delay levels, periods, region, trace switch) the value is the fake's; where the
//     machine decides Java's default (thread counts from the CPUs, storePathRootDir from the
//     home folder, rocketmqHome from ROCKETMQ_HOME) it is worked out as Java does; the rest are
//     4.9.7's defaults.
//   - 26 answers code 0 with the header version, the configuration's DataVersion as JSON (the
//     broker's start time and counter 0 until an update moves it), and the configuration as
//     properties text, a key=value line each.
//   - 25's body is properties text (Properties.load). Without a body the answer is code 0 and
//     nothing changes. A body Properties.load refuses (a malformed \uXXXX escape) is answered
//     1 SYSTEM_ERROR "string2Properties error". Otherwise every key goes to the setter of its
//     name (MixAll.properties2Object): an int or long that does not parse is dropped, a boolean
//     is true for "true" in any case and false for anything else, brokerRole and flushDiskType
//     take their enum's names only, and a key without a setter is ignored; the answer says
//     nothing of either. The version moves all the same, for an empty or comment-only body
//     too. With brokerPermission among the keys, parsable or not, the topic table's data
//     version moves and the broker registers two-way with every name server before it answers
//     (registerBrokerAll(false, false, true)), so that routes show the new permission at once.
//     The answer is code 0 without remark, extFields or body. Updates run one at a time, their
//     registration included, as Java's synchronized updateBrokerConfig.
//   - What an update changes at once, as on a real broker: brokerPermission,
//     autoCreateTopicEnable, maxMessageSize (the store's own limit follows values of 10 and
//     more, as CommitLog.updateMaxMessageSize), regionId, traceOn, rejectTransactionMessage,
//     compressedRegister, registerBrokerTimeoutMills, autoCreateSubscriptionGroup and
//     notifyConsumerIdsChangedEnable, and autoDeleteUnusedStats (read when a topic or group is
//     deleted, see statsitems.go); namesrvAddr at the next refresh of the
//     name-server list (10 s after start, then every 2 min, on a broker that had name servers
//     when it started). Anything else is stored and listed but changes nothing, as on a real
//     broker for the settings it reads when it starts (it writes the configuration back into
//     its file for its next start); DIFFERENCES.md names those a real broker reads at run time.
//   - Each Start gives the configuration a new version (a restarted broker is a new
//     Configuration), and the updated values stay, as a real broker reads its file again; the
//     fake comes back as it was built, though, with the name, cluster, id, address and delay
//     levels it started with, where a real broker would take the updated ones.

//go:generate go run brokerconfig_gen.go

import (
	"context"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Java's periods of BrokerController's name-server list refresh.
const (
	namesrvRefreshDelay    = 10 * time.Second
	namesrvRefreshInterval = 2 * time.Minute
)

// javaKind is how MixAll.properties2Object parses a value for a setter's parameter type.
type javaKind struct {
	name string   // "int", "long", "boolean", "String" or "enum"
	enum []string // the constants a String setter calling Enum.valueOf takes
}

var (
	javaInt     = javaKind{name: "int"}
	javaLong    = javaKind{name: "long"}
	javaBoolean = javaKind{name: "boolean"}
	javaString  = javaKind{name: "String"}
)

func javaEnum(constants ...string) javaKind { return javaKind{name: "enum", enum: constants} }

// parse returns the value the setter stores, as the field's toString writes it back
// (Integer.parseInt("+07") is 7), or false when the setter throws and the value is dropped.
// Java's parseInt also takes non-ASCII decimal digits; those are refused here.
func (k javaKind) parse(v string) (string, bool) {
	switch k.name {
	case "int", "long":
		bits := 32
		if k.name == "long" {
			bits = 64
		}
		n, err := strconv.ParseInt(v, 10, bits)
		if err != nil {
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	case "boolean":
		return strconv.FormatBool(strings.EqualFold(v, "true")), true
	case "enum":
		return v, slices.Contains(k.enum, v)
	}
	return v, true
}

// javaConfigField is a field of one of the four configuration objects.
type javaConfigField struct {
	class, name string
	kind        javaKind
	value       string // the 4.9.7 default
	null        bool   // the default is null: not listed
	machine     bool   // the default depends on the machine: see machineDefault
}

// javaConfigSetter is what properties2Object does with a key.
type javaConfigSetter struct {
	key, field string
	kind       javaKind
}

// machineDefault is Java's default of a field the machine decides. The fields the fake always
// sets from its own settings (brokerName, brokerIP1, brokerIP2, namesrvAddr) have none.
func machineDefault(field string) (string, bool) {
	// Java's Runtime.availableProcessors also counts a container's CPU quota; NumCPU does not.
	cpus := runtime.NumCPU()
	var n int
	switch field {
	case "rocketmqHome":
		home := os.Getenv("ROCKETMQ_HOME")
		return home, home != ""
	case "storePathRootDir":
		home, err := os.UserHomeDir()
		if err != nil {
			home = "?" // what Java makes user.home when it cannot tell
		}
		return filepath.Join(home, "store"), true
	case "sendMessageThreadPoolNums", "putMessageFutureThreadPoolNums":
		n = min(cpus, 4)
	case "pullMessageThreadPoolNums", "processReplyMessageThreadPoolNums":
		n = 16 + 2*cpus
	case "queryMessageThreadPoolNums":
		n = 8 + cpus
	case "heartbeatThreadPoolNums":
		n = min(32, cpus)
	case "endTransactionThreadPoolNums":
		n = max(8+2*cpus, 4*min(cpus, 4))
	case "clientCallbackExecutorThreads":
		n = cpus
	default:
		return "", false
	}
	return strconv.Itoa(n), true
}

// brokerSettings is the broker's configuration. The settings the fake acts on while it runs
// are kept where they are read (atomics here, the permission and auto-creation in the topic
// table) and listed from there; values holds the others.
type brokerSettings struct {
	updating sync.Mutex // one update at a time, its registration included

	mu          sync.Mutex
	values      map[string]string // by field; absent when null
	version     protocol.DataVersion
	namesrvAddr *string // the configured list, applied by the refresh

	maxMessageSize      atomic.Int32
	storeMaxBody        atomic.Int32 // the commit log's limit, which ignores values under 10
	region              atomic.Pointer[string]
	traceOn             atomic.Bool
	rejectTransactional atomic.Bool
	compressedRegister  atomic.Bool
	registerTimeout     atomic.Int64 // a time.Duration
	nameServers         atomic.Pointer[[]string]
	autoCreateGroup     atomic.Bool
	notifyConsumerIDs   atomic.Bool
}

func newBrokerSettings(cfg *config) *brokerSettings {
	s := &brokerSettings{
		values:  make(map[string]string, len(javaConfigFields)),
		version: protocol.DataVersion{Timestamp: time.Now().UnixMilli()},
	}
	for _, f := range javaConfigFields {
		switch {
		case f.machine:
			if v, ok := machineDefault(f.name); ok {
				s.values[f.name] = v
			}
		case !f.null:
			s.values[f.name] = f.value
		}
	}
	delays := cfg.messageDelayLevel
	if delays == "" {
		delays = DefaultMessageDelayLevel
	}
	for field, v := range map[string]string{
		"brokerName":               cfg.name,
		"brokerClusterName":        cfg.cluster,
		"brokerId":                 strconv.FormatInt(cfg.brokerID, 10),
		"defaultTopicQueueNums":    strconv.Itoa(int(cfg.defaultQueueNums)),
		"clusterTopicEnable":       strconv.FormatBool(cfg.clusterTopicEnable),
		"brokerTopicEnable":        strconv.FormatBool(cfg.brokerTopicEnable),
		"traceTopicEnable":         strconv.FormatBool(cfg.traceTopicEnable),
		"registerNameServerPeriod": strconv.FormatInt(cfg.registerInterval.Milliseconds(), 10),
		"transactionCheckInterval": strconv.FormatInt(cfg.transactionCheckInterval.Milliseconds(), 10),
		"transactionTimeOut":       strconv.FormatInt(cfg.transactionTimeout.Milliseconds(), 10),
		"transactionCheckMax":      strconv.Itoa(cfg.transactionCheckMax),
		"messageDelayLevel":        delays,
		"aclEnable":                strconv.FormatBool(cfg.acl != nil),
	} {
		s.values[field] = v
	}
	// BrokerController's ConsumerFilterManager sizes the consume-queue extension's bit map to
	// its bloom filter (BloomFilter.createByFn) when the broker is built.
	errorRate, _ := strconv.Atoi(s.values["maxErrorRateOfBloomFilter"])
	consumers, _ := strconv.Atoi(s.values["expectConsumerNumUseFilter"])
	s.values["bitMapLengthConsumeQueueExt"] = strconv.Itoa(bloomFilterBits(errorRate, consumers))
	if cfg.brokerID > 0 {
		// BrokerStartup makes a master's brokerId 0: a broker with another id is a slave.
		s.values["brokerRole"] = "SLAVE"
	}
	for field := range liveSettings {
		delete(s.values, field)
	}
	s.maxMessageSize.Store(int32(cfg.maxMessageSize))
	s.storeMaxBody.Store(int32(cfg.maxMessageSize))
	region := cfg.region
	s.region.Store(&region)
	s.traceOn.Store(cfg.traceOn)
	s.rejectTransactional.Store(cfg.rejectTransactional)
	s.compressedRegister.Store(cfg.compressedRegister)
	s.autoCreateGroup.Store(cfg.autoCreateGroup)
	s.notifyConsumerIDs.Store(cfg.notifyConsumerIDs)
	s.registerTimeout.Store(int64(cfg.registerTimeout))
	nameServers := slices.Clone(cfg.nameServers)
	s.nameServers.Store(&nameServers)
	if len(cfg.nameServers) > 0 {
		joined := strings.Join(cfg.nameServers, ";")
		s.namesrvAddr = &joined
	}
	return s
}

// bloomFilterBits is the m of Java's BloomFilter for an error rate of f% and n elements: at
// least n·log2(1/f)·log2(e) bits, rounded up to whole bytes.
func bloomFilterBits(f, n int) int {
	errorRate := float64(f) / 100
	m := math.Ceil(float64(n) * math.Log(1/errorRate) / math.Log(2) * (math.Log(math.E) / math.Log(2)))
	return 8 * int(math.Ceil(m/8))
}

// liveSetting is a setting the fake acts on at once: get lists it (false: null), set applies a
// value the setter's kind has parsed, with the settings' mu held.
type liveSetting struct {
	get func(b *Broker) (string, bool)
	set func(b *Broker, v string)
}

func atoi32(v string) int32 {
	n, _ := strconv.ParseInt(v, 10, 32)
	return int32(n)
}

var liveSettings = map[string]liveSetting{
	"brokerPermission": {
		get: func(b *Broker) (string, bool) { return strconv.Itoa(int(b.permission())), true },
		set: func(b *Broker, v string) { b.topics.setPermission(atoi32(v)) },
	},
	"autoCreateTopicEnable": {
		get: func(b *Broker) (string, bool) { return strconv.FormatBool(b.topics.autoCreate()), true },
		set: func(b *Broker, v string) { b.topics.setAutoCreate(v == "true") },
	},
	"maxMessageSize": {
		get: func(b *Broker) (string, bool) { return strconv.Itoa(b.maxMessageSize()), true },
		set: func(b *Broker, v string) {
			n := atoi32(v)
			b.settings.maxMessageSize.Store(n)
			if n >= 10 {
				b.settings.storeMaxBody.Store(n)
			}
		},
	},
	"regionId": {
		get: func(b *Broker) (string, bool) { return b.region(), true },
		set: func(b *Broker, v string) { b.settings.region.Store(&v) },
	},
	"traceOn": {
		get: func(b *Broker) (string, bool) { return strconv.FormatBool(b.settings.traceOn.Load()), true },
		set: func(b *Broker, v string) { b.settings.traceOn.Store(v == "true") },
	},
	"rejectTransactionMessage": {
		get: func(b *Broker) (string, bool) { return strconv.FormatBool(b.settings.rejectTransactional.Load()), true },
		set: func(b *Broker, v string) { b.settings.rejectTransactional.Store(v == "true") },
	},
	"compressedRegister": {
		get: func(b *Broker) (string, bool) { return strconv.FormatBool(b.settings.compressedRegister.Load()), true },
		set: func(b *Broker, v string) { b.settings.compressedRegister.Store(v == "true") },
	},
	"registerBrokerTimeoutMills": {
		get: func(b *Broker) (string, bool) {
			return strconv.FormatInt(time.Duration(b.settings.registerTimeout.Load()).Milliseconds(), 10), true
		},
		set: func(b *Broker, v string) {
			b.settings.registerTimeout.Store(int64(time.Duration(atoi32(v)) * time.Millisecond))
		},
	},
	"autoCreateSubscriptionGroup": {
		get: func(b *Broker) (string, bool) { return strconv.FormatBool(b.settings.autoCreateGroup.Load()), true },
		set: func(b *Broker, v string) { b.settings.autoCreateGroup.Store(v == "true") },
	},
	"notifyConsumerIdsChangedEnable": {
		get: func(b *Broker) (string, bool) { return strconv.FormatBool(b.settings.notifyConsumerIDs.Load()), true },
		set: func(b *Broker, v string) { b.settings.notifyConsumerIDs.Store(v == "true") },
	},
	"namesrvAddr": {
		get: func(b *Broker) (string, bool) {
			if b.settings.namesrvAddr == nil {
				return "", false
			}
			return *b.settings.namesrvAddr, true
		},
		set: func(b *Broker, v string) { b.settings.namesrvAddr = &v },
	},
}

// Hot-path readers of the live settings.

func (b *Broker) maxMessageSize() int   { return int(b.settings.maxMessageSize.Load()) }
func (b *Broker) storeMaxBody() int     { return int(b.settings.storeMaxBody.Load()) }
func (b *Broker) region() string        { return *b.settings.region.Load() }
func (b *Broker) traceOn() bool         { return b.settings.traceOn.Load() }
func (b *Broker) nameServers() []string { return *b.settings.nameServers.Load() }
func (b *Broker) registerTimeout() time.Duration {
	return time.Duration(b.settings.registerTimeout.Load())
}

// brokerConfig is Configuration.getAllConfigsFormatString's content, by field, and its version.
func (b *Broker) brokerConfig() (map[string]string, protocol.DataVersion) {
	s := b.settings
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.values)+len(liveSettings))
	for k, v := range s.values {
		out[k] = v
	}
	for field, live := range liveSettings {
		if v, ok := live.get(b); ok {
			out[field] = v
		}
	}
	return out, s.version
}

// bool reads a boolean the fake stores but does not act on at once.
func (s *brokerSettings) bool(field string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[field] == "true"
}

// updateBrokerConfig is Configuration.update and what updateBrokerConfig does after it.
func (b *Broker) updateBrokerConfig(ctx context.Context, props map[string]string) {
	s := b.settings
	s.updating.Lock()
	defer s.updating.Unlock()
	s.mu.Lock()
	for _, st := range javaConfigSetters {
		raw, ok := props[st.key]
		if !ok {
			continue
		}
		v, ok := st.kind.parse(raw)
		if !ok {
			continue
		}
		if live, ok := liveSettings[st.field]; ok {
			live.set(b, v)
		} else {
			s.values[st.field] = v
		}
	}
	s.version.Timestamp = time.Now().UnixMilli()
	s.version.Counter++
	s.mu.Unlock()
	if _, ok := props["brokerPermission"]; ok {
		b.topics.nextVersion()
		b.registerAll(ctx, regBrokerConfig, false, false, nil)
	}
}

// started records, at a broker's Start, what a Java broker's configuration holds from its
// start: a new version and, the first time, the addresses and ports. It reports whether the
// broker refreshes its name-server list (Java does when namesrvAddr was set at start), after
// applying it once.
func (s *brokerSettings) started(listenAddr, advertised, ha string, first bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = protocol.DataVersion{Timestamp: time.Now().UnixMilli()}
	if first {
		setHostPort := func(hostKey, portKey, addr string) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return
			}
			if hostKey != "" {
				s.values[hostKey] = host
			}
			if portKey != "" {
				s.values[portKey] = port
			}
		}
		setHostPort("", "listenPort", listenAddr)
		setHostPort("brokerIP1", "", advertised)
		setHostPort("brokerIP2", "haListenPort", ha)
	}
	if s.namesrvAddr == nil {
		return false
	}
	s.applyNamesrvAddrLocked()
	return true
}

// applyNamesrvAddrLocked is BrokerOuterAPI.updateNameServerAddressList: the list split at ';'
// replaces the one registrations go to when it is not empty and not the same set.
func (s *brokerSettings) applyNamesrvAddrLocked() {
	list := javaSplit(*s.namesrvAddr, ";")
	if len(list) == 0 {
		return
	}
	old := *s.nameServers.Load()
	same := len(list) == len(old)
	for _, a := range list {
		same = same && slices.Contains(old, a)
	}
	if !same {
		s.nameServers.Store(&list)
	}
}

// namesrvRefreshLoop is BrokerController's task that reads namesrvAddr into the name-server
// list, 10 s after start and every 2 min after that.
func (b *Broker) namesrvRefreshLoop(ctx context.Context) {
	b.every(ctx, namesrvRefreshDelay, func() time.Duration {
		b.settings.mu.Lock()
		b.settings.applyNamesrvAddrLocked()
		b.settings.mu.Unlock()
		return namesrvRefreshInterval
	})
}

// javaSplit is Java's String.split with a literal separator: trailing empty strings are
// dropped, but a string without the separator is itself the only element, even when empty.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// ---- request handlers ----

func (b *Broker) brokerConfigHandlers() []handlerEntry {
	return []handlerEntry{
		{remoting.CodeUpdateBrokerConfig, b.handleUpdateBrokerConfig},
		{remoting.CodeGetBrokerConfig, b.handleGetBrokerConfig},
	}
}

// remarkString2PropertiesError is updateBrokerConfig's answer to a body Properties.load refuses.
const remarkString2PropertiesError = "string2Properties error"

func (b *Broker) handleUpdateBrokerConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	cmd := req.Command
	// A frame without body bytes decodes to Java's null body: nothing to update.
	if len(cmd.Body) > 0 {
		props, err := protocol.DecodeJavaProperties(cmd.Body)
		if err != nil {
			return answer(cmd, remoting.SystemError, remarkString2PropertiesError)
		}
		b.updateBrokerConfig(b.context(), props)
	}
	return answer(cmd, remoting.Success, "")
}

func (b *Broker) handleGetBrokerConfig(_ context.Context, req *remoting.Request) *remoting.Command {
	props, version := b.brokerConfig()
	resp := answerWithHeader(req.Command, remoting.Success, "")
	protocol.SetHeader(resp, protocol.GetBrokerConfigResponseHeader{Version: string(version.Encode())})
	resp.Body = protocol.EncodeJavaProperties(props)
	return resp
}
