package realrmq

import (
	"fmt"
	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/remoting"
	"strconv"
	"time"
)

// DefaultVersion is the RocketMQ release the servers come from unless WithVersion says
// otherwise: the one the fakes copy (docs/java-4.9.7-servers.md).
const DefaultVersion = "4.9.7"

// DefaultCluster is the cluster name brokers join unless WithCluster says otherwise; it is
// Java's default brokerClusterName.
const DefaultCluster = "DefaultCluster"

// Option configures New and Start.
type Option func(*config)

type config struct {
	version     string
	cluster     string
	brokerNames []string
	slaves      bool // a slave (brokerId 1) beside every master

	// Broker settings with a typed option; nil/zero leaves Java's default.
	autoCreateTopic  *bool
	brokerPermission *int32
	topicQueueNums   int
	registerInterval time.Duration
	txCheckInterval  time.Duration
	txTimeout        time.Duration
	txCheckMax       int
	lockExpiry       time.Duration
	brokerExtra      []keyValue
	namesrvExtra     []keyValue

	namesrvHeapMB int
	brokerHeapMB  int
	jvmArgs       []string
	tlsMode       *remoting.TLSMode
	plainACL      []byte // nil: aclEnable off
	aclAdmin      acl.Credentials

	startTimeout time.Duration
	stopGrace    time.Duration
	workDir      string
	logDir       string
}

type keyValue struct {
	key, value string
	broker     string // for brokerExtra: only this broker; "" for all
}

func defaultConfig() config {
	return config{
		version:       DefaultVersion,
		cluster:       DefaultCluster,
		brokerNames:   []string{"broker-a"},
		namesrvHeapMB: 256,
		brokerHeapMB:  512,
		// Cold JVM start of both servers on a 2-core machine takes 5–10 s; Maven on a cold
		// ~/.m2 can take minutes, but that is bounded separately (mavenTimeout).
		startTimeout: 90 * time.Second,
		// A 4.9.7 broker's clean shutdown (unregister, flush, unmap) takes a few seconds.
		stopGrace: 20 * time.Second,
	}
}

// WithVersion picks the RocketMQ release of both servers (a version of
// org.apache.rocketmq:rocketmq-broker on Maven Central). Default DefaultVersion. 5.x releases
// start too (the broker's remoting port only, no proxy), but their answers differ from 4.9.7
// in places the fakes copy.
func WithVersion(v string) Option {
	return func(c *config) {
		if v != "" {
			c.version = v
		}
	}
}

// WithCluster sets brokerClusterName of every broker. Default DefaultCluster.
func WithCluster(name string) Option {
	return func(c *config) {
		if name != "" {
			c.cluster = name
		}
	}
}

// WithBrokers starts n master brokers named broker-a, broker-b, ... Default 1.
func WithBrokers(n int) Option {
	return func(c *config) {
		if n < 1 {
			n = 1
		}
		c.brokerNames = c.brokerNames[:0:0]
		for i := range n {
			c.brokerNames = append(c.brokerNames, brokerName(i))
		}
	}
}

// WithBrokerNames starts one master broker per name (overrides WithBrokers).
func WithBrokerNames(names ...string) Option {
	return func(c *config) {
		if len(names) > 0 {
			c.brokerNames = append([]string(nil), names...)
		}
	}
}

// brokerName is the i-th default name: broker-a ... broker-z, then broker-26 ...
func brokerName(i int) string {
	if i < 26 {
		return "broker-" + string(rune('a'+i))
	}
	return "broker-" + strconv.Itoa(i)
}

// WithSlaves gives every broker name a slave beside its master: brokerId 1, brokerRole SLAVE,
// ports and a store of its own. It replicates its master's commit log over HA: 4.9.7 slaves
// learn the master's HA address (brokerIP2:listenPort+1) from the name server's answer to their
// registration, so the slaves start once the masters are registered. WithBrokerConfigFor names
// a slave's settings by its master's broker name, as both share it.
func WithSlaves(on bool) Option {
	return func(c *config) { c.slaves = on }
}

// WithAutoCreateTopic sets autoCreateTopicEnable (Java's default: true), which decides
// whether TBW102 exists and a send to an unknown topic creates it.
func WithAutoCreateTopic(on bool) Option {
	return func(c *config) { c.autoCreateTopic = &on }
}

// WithBrokerPermission sets brokerPermission (6 read-write, the default; 4 read-only; 2
// write-only). A broker that is not read-write advertises that perm for every topic.
func WithBrokerPermission(perm int32) Option {
	return func(c *config) { c.brokerPermission = &perm }
}

// WithDefaultTopicQueueNums sets defaultTopicQueueNums (Java's default 8): TBW102's queue
// count and so the upper bound of an auto-created topic's.
func WithDefaultTopicQueueNums(n int) Option {
	return func(c *config) { c.topicQueueNums = n }
}

// WithRegisterInterval sets how often each broker registers with the name server: broker.conf's
// registerNameServerPeriod. Java clamps it to 10–60 s and makes the first periodic
// registration 10 s after start whatever the interval.
func WithRegisterInterval(d time.Duration) Option {
	return func(c *config) { c.registerInterval = d }
}

// WithTransactionCheckInterval sets transactionCheckInterval (Java's default 60 s): how often
// the broker checks its half messages and asks their producer groups back
// (CHECK_TRANSACTION_STATE). A test that waits for a check sets it short.
func WithTransactionCheckInterval(d time.Duration) Option {
	return func(c *config) { c.txCheckInterval = d }
}

// WithTransactionTimeout sets transactionTimeOut (Java's default 6 s): how old a half message
// must be before the check asks about it.
func WithTransactionTimeout(d time.Duration) Option {
	return func(c *config) { c.txTimeout = d }
}

// WithTransactionCheckMax sets transactionCheckMax (Java's default 15): how many checks a half
// message gets before the broker discards it to TRANS_CHECK_MAX_TIME_TOPIC.
func WithTransactionCheckMax(n int) Option {
	return func(c *config) { c.txCheckMax = n }
}

// WithRebalanceLockExpiry sets how long a queue lock (LOCK_BATCH_MQ) lasts unrenewed before
// another consumer may take it (Java's default 60 s). 4.9.7 reads it only from the system
// property rocketmq.broker.rebalance.lockMaxLiveTime, which the brokers' JVMs then get.
func WithRebalanceLockExpiry(d time.Duration) Option {
	return func(c *config) { c.lockExpiry = d }
}

// WithBrokerConfig adds key=value to every broker's configuration file (a BrokerConfig,
// MessageStoreConfig or NettyServerConfig property). It wins over the settings realrmq writes,
// listen ports and store paths excepted.
func WithBrokerConfig(key, value string) Option {
	return func(c *config) { c.brokerExtra = append(c.brokerExtra, keyValue{key: key, value: value}) }
}

// WithBrokerConfigFor is WithBrokerConfig for the named broker only, for clusters whose
// brokers differ (one with autoCreateTopicEnable=false, say).
func WithBrokerConfigFor(broker, key, value string) Option {
	return func(c *config) {
		c.brokerExtra = append(c.brokerExtra, keyValue{key: key, value: value, broker: broker})
	}
}

// WithNameServerConfig adds key=value to the name server's configuration file (a
// NamesrvConfig or NettyServerConfig property), for example orderMessageEnable=true.
func WithNameServerConfig(key, value string) Option {
	return func(c *config) { c.namesrvExtra = append(c.namesrvExtra, keyValue{key: key, value: value}) }
}

// WithHeap sets the JVM heaps in MiB (-Xms = -Xmx). Defaults 256 (name server) and 512
// (broker): Java's own defaults size the broker for a dedicated machine.
func WithHeap(namesrvMB, brokerMB int) Option {
	return func(c *config) {
		if namesrvMB > 0 {
			c.namesrvHeapMB = namesrvMB
		}
		if brokerMB > 0 {
			c.brokerHeapMB = brokerMB
		}
	}
}

// WithTLSMode sets both servers' tls.server.mode (4.9.7's default is permissive: plain and TLS
// on one port, with the self-signed certificate of tls.test.mode.enable). With
// remoting.TLSEnforcing the brokers register over TLS (BrokerStartup turns tls.enable on for
// that mode), and so does the launcher's own client (Client), trusting any certificate as a
// Java client does.
func WithTLSMode(m remoting.TLSMode) Option {
	return func(c *config) { c.tlsMode = &m }
}

// WithACL turns on aclEnable on every broker, with plainACL as the plain_acl.yml in its
// ROCKETMQ_HOME/conf. The launcher's own requests to the brokers (creating topics, reading
// offsets) are signed with admin, which plainACL should list as an admin account. A 4.9.7 name
// server checks nothing, so nothing changes there.
func WithACL(plainACL []byte, admin acl.Credentials) Option {
	return func(c *config) { c.plainACL, c.aclAdmin = plainACL, admin }
}

// WithJVMArgs adds arguments to both JVMs' command lines, before the main class.
func WithJVMArgs(args ...string) Option {
	return func(c *config) { c.jvmArgs = append(c.jvmArgs, args...) }
}

// WithStartTimeout bounds how long Cluster.Start waits for the servers to be ready (Maven's
// classpath resolution excepted). Default 90 s. The context given to Start bounds it too.
func WithStartTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.startTimeout = d
		}
	}
}

// WithStopGrace is how long Close and StopBroker wait after SIGTERM before SIGKILL. Default 20 s.
func WithStopGrace(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.stopGrace = d
		}
	}
}

// WithWorkDir sets the folder that holds the servers' home, stores and configuration files.
// It must exist; it is not removed by Close. Default: a new temporary folder that Close
// removes.
func WithWorkDir(dir string) Option {
	return func(c *config) { c.workDir = dir }
}

// WithLogDir sets where each JVM's stdout and stderr go (namesrv.log, <broker>.log),
// appended to earlier runs' logs there. It is created if missing and not removed by Close.
// Default: the work folder. Start uses t.TempDir().
func WithLogDir(dir string) Option {
	return func(c *config) { c.logDir = dir }
}

func (c *config) validate() error {
	seen := map[string]bool{}
	for _, n := range c.brokerNames {
		if n == "" || seen[n] {
			return fmt.Errorf("realrmq: broker names must be distinct and non-empty: %q", c.brokerNames)
		}
		seen[n] = true
	}
	return nil
}

func prop(key, value string) keyValue { return keyValue{key: key, value: value} }
