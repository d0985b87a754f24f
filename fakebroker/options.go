package fakebroker

import (
	"github.com/rocketsim/rocketsim/acl"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// Defaults, as in the 4.9.7 BrokerConfig, MessageStoreConfig and the services that read them.
const (
	DefaultBrokerName = "broker-a"
	DefaultCluster    = "DefaultCluster"
	// DefaultRegisterInterval is BrokerConfig.registerNameServerPeriod. Java clamps it to 10–60 s;
	// the fake takes any positive value.
	DefaultRegisterInterval = 30 * time.Second
	// DefaultRegisterDelay is when Java's periodic registration first runs after start (the
	// registration at start itself is immediate).
	DefaultRegisterDelay = 10 * time.Second
	// DefaultRegisterTimeout is BrokerConfig.registerBrokerTimeoutMills.
	DefaultRegisterTimeout = 6 * time.Second
	// DefaultUnregisterTimeout is the fixed timeout of BrokerOuterAPI.unregisterBroker.
	DefaultUnregisterTimeout = 3 * time.Second
	// DefaultTopicQueueNums is BrokerConfig.defaultTopicQueueNums: TBW102's queues.
	DefaultTopicQueueNums = 8
	// DefaultMaxMessageSize is MessageStoreConfig.maxMessageSize (4 MiB).
	DefaultMaxMessageSize = 4 << 20
	// DefaultClientExpiry is ProducerManager/ConsumerManager CHANNEL_EXPIRED_TIMEOUT.
	DefaultClientExpiry = 120 * time.Second
	// DefaultClientScanInterval is ClientHousekeepingService's interval (its first run comes
	// after one interval too).
	DefaultClientScanInterval = 10 * time.Second
	// DefaultRegion is BrokerConfig.regionId, sent back as MSG_REGION.
	DefaultRegion = "DefaultRegion"
	// DefaultTransactionCheckInterval is BrokerConfig.transactionCheckInterval: how often the
	// transaction check runs (first that long after start).
	DefaultTransactionCheckInterval = 60 * time.Second
	// DefaultTransactionTimeout is BrokerConfig.transactionTimeOut: a half message younger
	// than this (from its born time) is not checked yet.
	DefaultTransactionTimeout = 6 * time.Second
	// DefaultTransactionCheckMax is BrokerConfig.transactionCheckMax: a half message checked
	// this many times is discarded to TRANS_CHECK_MAX_TIME_TOPIC.
	DefaultTransactionCheckMax = 15
	// DefaultStoreLimit bounds the commit log a broker keeps in memory: beyond it the oldest
	// segments are dropped, as a real broker deletes its oldest commit-log files when its disk
	// fills. 256 MiB per broker fits a CI machine; a real broker's bound is its disk.
	DefaultStoreLimit = 256 << 20
	// DefaultStoreSegmentSize is a commit-log segment's size, the unit retention drops (Java's
	// mappedFileSizeCommitLog, 1 GiB, scaled to the fake's smaller store).
	DefaultStoreSegmentSize = 32 << 20
)

type config struct {
	name                     string
	cluster                  string
	brokerID                 int64
	listenAddr               string
	listen                   func(addr string) (net.Listener, error)
	advertisedAddr           string
	advertisedHost           string
	haAddr                   string
	storeHost                netip.AddrPort
	nameServers              []string
	dial                     remoting.DialFunc
	registerInterval         time.Duration
	registerDelay            time.Duration
	registerTimeout          time.Duration
	compressedRegister       bool
	autoCreateTopic          bool
	autoCreateGroup          bool
	defaultQueueNums         int32
	maxMessageSize           int
	storeLimit               int64
	storeSegmentSize         int
	permission               int32
	clientExpiry             time.Duration
	clientScanDelay          time.Duration
	clientScanInterval       time.Duration
	region                   string
	traceOn                  bool
	notifyConsumerIDs        bool
	topics                   []protocol.TopicConfig
	logger                   *slog.Logger
	remotingOpts             []remoting.ServerOption
	clientOpts               []remoting.ClientOption
	faultSeed                uint64
	historyOpts              []fault.HistoryOption
	clusterTopicEnable       bool
	brokerTopicEnable        bool
	traceTopicEnable         bool
	rejectTransactional      bool
	transactionCheckInterval time.Duration
	statsSampling            [windowCount]time.Duration // minute, hour and day windows
	transactionTimeout       time.Duration
	transactionCheckMax      int
	storeReplyMessage        bool
	messageDelayLevel        string
	vipChannel               bool
	rebalanceLockExpiry      time.Duration
	acl                      *acl.Validator
	aclFile                  string
	aclLayout                acl.Layout
	aclWatch                 time.Duration
}

// Option configures a Broker.
type Option func(*config)

// WithACL turns on aclEnable: every request is checked by v (built from a plain_acl.yml) before
// it is served, on the VIP channel too, and refused as a 4.9.7 broker refuses it (SYSTEM_ERROR
// with the AclException's description). nil leaves ACL off, the default.
//
// The ACL admin codes (50 to 54) change the broker's own copy of the config, from the next
// request on; other brokers made from the same v keep theirs, as each 4.9.7 broker has its own
// plain_acl.yml.
func WithACL(v *acl.Validator) Option { return func(c *config) { c.acl = v } }

// WithACLFile names the plain_acl.yml that WithACL's config was read from: the ACL admin codes
// rewrite it after each change, as a 4.9.7 broker rewrites the file it loaded. Without it the
// changes stay in memory.
func WithACLFile(path string) Option { return func(c *config) { c.aclFile = path } }

// WithACLFiles turns on aclEnable with the ACL files of layout, loaded as a 4.9.7 broker loads
// conf/plain_acl.yml and conf/acl (see acl.OpenStore), and watched every watch (Java's
// AclFileWatchService: acl.DefaultWatchInterval; 0 or less does not watch): an edited, added or
// removed file counts from the next request after the watcher's look, a file that no longer
// loads keeps its last good config and is logged. The ACL admin codes write to the file that
// holds the account. Start fails when the files do not load. It replaces WithACL and
// WithACLFile.
func WithACLFiles(layout acl.Layout, watch time.Duration) Option {
	return func(c *config) { c.aclLayout, c.aclWatch = layout, watch }
}

// WithVIPChannel makes the broker also serve its VIP channel, as Java's fastRemotingServer does
// on the listen port minus 2 (clients with vipChannelEnabled send there). Off by default: on
// free ports, port-2 may belong to someone else. Start fails when that port cannot be had.
func WithVIPChannel(on bool) Option { return func(c *config) { c.vipChannel = on } }

// WithName sets brokerName. Default DefaultBrokerName.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithCluster sets brokerClusterName. Default DefaultCluster.
func WithCluster(cluster string) Option { return func(c *config) { c.cluster = cluster } }

// WithBrokerID sets brokerId. Only 0 (a master) is modelled; other ids are registered as given.
func WithBrokerID(id int64) Option { return func(c *config) { c.brokerID = id } }

// WithListenAddr sets the address Start listens on ("127.0.0.1:0", the default, picks a free
// port). See WithListenFunc for in-memory networks.
func WithListenAddr(addr string) Option { return func(c *config) { c.listenAddr = addr } }

// WithListenFunc replaces net.Listen("tcp", addr), e.g. with a remoting.MemNetwork's Listen.
func WithListenFunc(f func(addr string) (net.Listener, error)) Option {
	return func(c *config) { c.listen = f }
}

// WithAdvertisedAddr sets the address the broker registers and clients are told to use
// (Java's brokerIP1:listenPort). Default: the listener's address.
func WithAdvertisedAddr(addr string) Option { return func(c *config) { c.advertisedAddr = addr } }

// WithAdvertisedHost sets only the host the broker registers, with the port it listens on:
// Java's brokerIP1 beside listenPort. It is for a broker listening on every interface
// (0.0.0.0:0 or [::]), whose listen address no client can dial, and whose port is not known
// before Start. WithAdvertisedAddr, when set, wins.
func WithAdvertisedHost(host string) Option { return func(c *config) { c.advertisedHost = host } }

// WithHAServerAddr sets haServerAddr in registrations. Default: the advertised host and the
// listen port + 1, as Java's haListenPort.
func WithHAServerAddr(addr string) Option { return func(c *config) { c.haAddr = addr } }

// WithStoreHost sets the store host written into stored messages and offset message ids.
// Default: the advertised address when its host is an IP, else 127.0.0.1 with its port.
func WithStoreHost(host netip.AddrPort) Option { return func(c *config) { c.storeHost = host } }

// WithNameServers sets the name servers the broker registers with (host:port each).
func WithNameServers(addrs ...string) Option {
	return func(c *config) { c.nameServers = append([]string(nil), addrs...) }
}

// WithDialer sets how the broker connects to name servers, e.g. a MemNetwork's Dial.
func WithDialer(dial remoting.DialFunc) Option { return func(c *config) { c.dial = dial } }

// WithRegisterInterval sets how often the broker registers after the first periodic run.
// Default DefaultRegisterInterval.
func WithRegisterInterval(d time.Duration) Option { return func(c *config) { c.registerInterval = d } }

// WithRegisterDelay sets when the first periodic registration runs after Start.
// Default DefaultRegisterDelay.
func WithRegisterDelay(d time.Duration) Option { return func(c *config) { c.registerDelay = d } }

// WithRegisterTimeout bounds each two-way registration. Default DefaultRegisterTimeout.
func WithRegisterTimeout(d time.Duration) Option { return func(c *config) { c.registerTimeout = d } }

// WithCompressedRegister sets BrokerConfig.compressedRegister. Default false.
func WithCompressedRegister(on bool) Option { return func(c *config) { c.compressedRegister = on } }

// WithAutoCreateTopic sets autoCreateTopicEnable: the broker then holds TBW102 and creates
// unknown topics on send. Default true, as in 4.9.7.
func WithAutoCreateTopic(on bool) Option { return func(c *config) { c.autoCreateTopic = on } }

// WithAutoCreateSubscriptionGroup sets autoCreateSubscriptionGroup. Default true.
func WithAutoCreateSubscriptionGroup(on bool) Option {
	return func(c *config) { c.autoCreateGroup = on }
}

// WithDefaultTopicQueueNums sets defaultTopicQueueNums, TBW102's queue count. Default 8.
func WithDefaultTopicQueueNums(n int) Option {
	return func(c *config) { c.defaultQueueNums = int32(n) }
}

// WithMaxMessageSize sets maxMessageSize, the largest body stored. Default 4 MiB.
func WithMaxMessageSize(n int) Option { return func(c *config) { c.maxMessageSize = n } }

// WithStoreLimit bounds the bytes of records the broker keeps (DefaultStoreLimit). When a new
// segment would pass it, the oldest segments are dropped: their messages are gone, every queue's
// min offset moves past them, pulls below it are answered PULL_OFFSET_MOVED, and lookups by
// offset, id or key find nothing, as on a broker whose oldest commit-log files were deleted.
// 0 (or less) keeps every message.
func WithStoreLimit(bytes int64) Option { return func(c *config) { c.storeLimit = bytes } }

// WithStoreSegmentSize sets the size of a commit-log segment, the unit retention drops
// (DefaultStoreSegmentSize; never more than the store limit).
func WithStoreSegmentSize(bytes int) Option { return func(c *config) { c.storeSegmentSize = bytes } }

// WithPermission sets brokerPermission (protocol.PermRead|PermWrite, the default, or
// PermRead alone for a read-only broker). See Broker.SetPermission.
func WithPermission(perm int32) Option { return func(c *config) { c.permission = perm } }

// WithClientExpiry sets how long a client connection may go without a heartbeat before the
// scan drops it. Default DefaultClientExpiry.
func WithClientExpiry(d time.Duration) Option { return func(c *config) { c.clientExpiry = d } }

// WithClientScanInterval sets when the client expiry scan first runs after Start (delay) and
// how often it runs then (interval). Default DefaultClientScanInterval for both. An interval
// <= 0 turns the scan off.
func WithClientScanInterval(delay, interval time.Duration) Option {
	return func(c *config) { c.clientScanDelay, c.clientScanInterval = delay, interval }
}

// WithRegion sets regionId, sent as MSG_REGION in send answers. Default DefaultRegion.
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithTraceOn sets traceOn, sent as TRACE_ON in send answers. Default true.
func WithTraceOn(on bool) Option { return func(c *config) { c.traceOn = on } }

// WithNotifyConsumerIDsChanged sets notifyConsumerIdsChangedEnable: the broker pushes
// NOTIFY_CONSUMER_IDS_CHANGED (40) to a group's consumers when the group changes. Default true.
func WithNotifyConsumerIDsChanged(on bool) Option {
	return func(c *config) { c.notifyConsumerIDs = on }
}

// WithTopics adds topics to the table the broker starts with (after the system topics).
func WithTopics(topics ...protocol.TopicConfig) Option {
	return func(c *config) { c.topics = append(c.topics, topics...) }
}

// WithTopic adds a topic with the given queue count (read and write) and perm 6.
func WithTopic(name string, queues int) Option {
	tc := protocol.NewTopicConfig(name)
	tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
	return WithTopics(tc)
}

// WithTraceTopic sets traceTopicEnable: the broker then holds RMQ_SYS_TRACE_TOPIC. Default false.
func WithTraceTopic(on bool) Option { return func(c *config) { c.traceTopicEnable = on } }

// WithRejectTransactionMessage sets rejectTransactionMessage. Default false.
func WithRejectTransactionMessage(on bool) Option {
	return func(c *config) { c.rejectTransactional = on }
}

// WithStatsSampling sets how often the statistics that VIEW_BROKER_STATS_DATA reads are
// sampled for their minute, hour and day windows (each keeps 7, 7 and 25 samples; see
// statsitems.go). 0 turns a window's sampling off: it answers zeros. Default
// DefaultStatsMinuteSampling, DefaultStatsHourSampling and DefaultStatsDaySampling.
func WithStatsSampling(minute, hour, day time.Duration) Option {
	return func(c *config) { c.statsSampling = [windowCount]time.Duration{minute, hour, day} }
}

// WithTransactionCheckInterval sets transactionCheckInterval: the transaction check (see
// transaction.go) runs that long after start and again that long after each run ends; its
// first run creates RMQ_SYS_TRANS_HALF_TOPIC and registers it oneway, as a real broker's does.
// 0 turns the check off. Default DefaultTransactionCheckInterval.
func WithTransactionCheckInterval(d time.Duration) Option {
	return func(c *config) { c.transactionCheckInterval = d }
}

// WithTransactionTimeout sets transactionTimeOut: how old (from its born time) a half message
// must be before the check asks its producer group about it. A half message's
// CHECK_IMMUNITY_TIME_IN_SECONDS property overrides it. Default DefaultTransactionTimeout.
func WithTransactionTimeout(d time.Duration) Option {
	return func(c *config) { c.transactionTimeout = d }
}

// WithTransactionCheckMax sets transactionCheckMax: how many times a half message is checked
// before the check discards it to TRANS_CHECK_MAX_TIME_TOPIC. Default DefaultTransactionCheckMax.
func WithTransactionCheckMax(n int) Option {
	return func(c *config) { c.transactionCheckMax = n }
}

// WithStoreReplyMessage sets storeReplyMessageEnable: a reply (SEND_REPLY_MESSAGE) is stored in
// its reply topic as well as pushed to the requesting client. Default true.
func WithStoreReplyMessage(on bool) Option {
	return func(c *config) { c.storeReplyMessage = on }
}

// WithRebalanceLockExpiry sets how long a queue lock taken with LOCK_BATCH_MQ lasts without
// being renewed before another client of the group may take it (Java's
// rocketmq.broker.rebalance.lockMaxLiveTime system property). Default
// DefaultRebalanceLockExpiry.
func WithRebalanceLockExpiry(d time.Duration) Option {
	return func(c *config) { c.rebalanceLockExpiry = d }
}

// WithLogger sets where the broker and its transport log. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRemotingOptions passes options to the remoting.Server (idle timeout, frame size, TLS).
func WithRemotingOptions(opts ...remoting.ServerOption) Option {
	return func(c *config) { c.remotingOpts = append(c.remotingOpts, opts...) }
}

// WithNameServerClientOptions passes options to the remoting.Client the broker registers
// through (WithDialer is shorthand for one of them).
func WithNameServerClientOptions(opts ...remoting.ClientOption) Option {
	return func(c *config) { c.clientOpts = append(c.clientOpts, opts...) }
}

// WithFaultSeed seeds the fault injector's dice. Default 1.
func WithFaultSeed(seed uint64) Option { return func(c *config) { c.faultSeed = seed } }

// WithHistoryOptions configures the request history.
func WithHistoryOptions(opts ...fault.HistoryOption) Option {
	return func(c *config) { c.historyOpts = append(c.historyOpts, opts...) }
}
