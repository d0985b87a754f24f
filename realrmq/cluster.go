package realrmq

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/remoting"
)

// Cluster is a real name server and its brokers, child processes of this one: New creates it,
// Start starts the processes, Close stops them. Once Start has returned, its methods are safe
// for concurrent use.
type Cluster struct {
	cfg      config
	started  bool
	java     string
	cp       string
	workDir  string
	ownsWork bool // remove workDir on Close
	logDir   string
	nsAddr   string
	client   *remoting.Client

	mu      sync.Mutex
	ns      *process
	brokers []*brokerProc
	closed  bool
	repairs []string // what StartBroker repaired

	crashOnce sync.Once
	crashed   chan struct{} // closed when a server exits without being asked to
	crashErr  error         // why; set before crashed is closed
}

// brokerProc is one broker (a master, or with WithSlaves a slave): its fixed configuration and
// its current process (nil when stopped).
type brokerProc struct {
	name     string
	id       int64  // brokerId: 0 for the master, 1 for its slave
	addr     string // brokerIP1:listenPort, as it registers
	port     int
	store    string
	confPath string
	logPath  string
	proc     *process
}

// label names the broker in messages and process names: its name, "-s1" for a slave.
func (b *brokerProc) label() string {
	if b.id == masterID {
		return b.name
	}
	return b.name + "-s" + strconv.FormatInt(b.id, 10)
}

// masterID is MixAll.MASTER_ID; slaveID the brokerId WithSlaves gives each slave.
const (
	masterID = 0
	slaveID  = 1
)

// Broker names a broker: a master, or (Slaves) a slave.
type Broker struct {
	Name    string // brokerName
	ID      int64  // brokerId: 0 for a master, 1 for a slave
	Addr    string // host:port it serves clients on and registers with
	Cluster string
	Running bool
}

// New returns a cluster that is not started: it checks the options, and nothing runs, or is
// written to disk, before Start.
func New(opts ...Option) (*Cluster, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Cluster{cfg: cfg, workDir: cfg.workDir, logDir: cfg.logDir, crashed: make(chan struct{})}, nil
}

// ErrUnknownBroker is returned for a broker name the cluster does not have.
var ErrUnknownBroker = errors.New("realrmq: unknown broker")

// errStarted is returned by a second Start.
var errStarted = errors.New("realrmq: the cluster was started already")

// Start starts a name server and the brokers the options ask for, and returns when every
// broker is listed in the name server's cluster info. ctx bounds the start only (Maven's
// classpath resolution included); the servers run until Close. Errors wrapping
// ErrUnavailable mean this machine cannot run them (no java, no mvn, no jars). When Start
// fails, it stops what it had started and removes what it wrote, as Close does. A cluster
// starts once; StartBroker restarts a broker.
func (c *Cluster) Start(ctx context.Context) (err error) {
	c.mu.Lock()
	started, closed := c.started, c.closed
	c.started = true
	c.mu.Unlock()
	switch {
	case started:
		return errStarted
	case closed:
		return errClosed
	}
	if c.java, err = javaBinary(); err != nil {
		return err
	}
	if c.cp, err = Classpath(ctx, c.cfg.version); err != nil {
		return err
	}
	if c.workDir == "" {
		if c.workDir, err = os.MkdirTemp("", "realrmq-"); err != nil {
			return err
		}
		c.ownsWork = true
	}
	// Whatever fails from here on leaves nothing running.
	defer func() {
		if err != nil {
			_ = c.Close()
		}
	}()
	if c.logDir == "" {
		c.logDir = c.workDir
	}
	if err := os.MkdirAll(c.logDir, 0o755); err != nil {
		return err
	}
	if err := c.writeHome(); err != nil {
		return err
	}
	c.client = remoting.NewClient(c.cfg.launcherClientOptions()...)

	ctx, cancel := context.WithTimeout(ctx, c.cfg.startTimeout)
	defer cancel()
	if err := c.startNameServer(ctx); err != nil {
		return err
	}
	var masters, slaves []*brokerProc
	for _, name := range c.cfg.brokerNames {
		b, err := c.newBroker(name, masterID)
		if err != nil {
			return err
		}
		masters = append(masters, b)
		if c.cfg.slaves {
			s, err := c.newBroker(name, slaveID)
			if err != nil {
				return err
			}
			slaves = append(slaves, s)
		}
	}
	c.mu.Lock()
	c.brokers = append(append(c.brokers, masters...), slaves...)
	c.mu.Unlock()
	// Started together: JVM start-up is mostly waiting on class loading, and the brokers
	// only need the name server, which is up. Slaves come after their masters: a 4.9.7 slave
	// learns where to replicate from in the name server's answer to its registration, which
	// names the master's HA address only once the master has registered; a slave that came
	// first would wait for its next periodic registration (10 to 60 s).
	for _, group := range [][]*brokerProc{masters, slaves} {
		var wg sync.WaitGroup
		errs := make([]error, len(group))
		for i, b := range group {
			wg.Go(func() { errs[i] = c.startBroker(ctx, b) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// home is the ROCKETMQ_HOME: 4.9.7 servers read their logback configuration from
// HOME/conf/logback_{namesrv,broker}.xml and print a stack trace without it.
func (c *Cluster) home() string { return filepath.Join(c.workDir, "home") }

// ConfDir is the servers' ROCKETMQ_HOME/conf: with WithACL, the brokers' plain_acl.yml and
// their conf/acl directory of further ACL files are there, watched by each broker.
func (c *Cluster) ConfDir() string { return filepath.Join(c.home(), "conf") }

// logback logs WARN and above to the console, which goes to the process's log file; "boot
// success" is printed on stdout whatever the level.
const logback = `<configuration>
  <appender name="C" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %p %c{1} - %m%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="C"/></root>
</configuration>
`

func (c *Cluster) writeHome() error {
	conf := filepath.Join(c.home(), "conf")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"logback_namesrv.xml", "logback_broker.xml", "logback_tools.xml"} {
		if err := os.WriteFile(filepath.Join(conf, f), []byte(logback), 0o644); err != nil {
			return err
		}
	}
	if c.cfg.plainACL != nil {
		// PlainPermissionManager reads ROCKETMQ_HOME/conf/plain_acl.yml (and conf/acl/*.yml).
		return os.WriteFile(filepath.Join(conf, "plain_acl.yml"), c.cfg.plainACL, 0o644)
	}
	return nil
}

// launcherClientOptions are those of the clients the launcher asks the servers with: over TLS
// where the servers enforce it.
func (cfg *config) launcherClientOptions() []remoting.ClientOption {
	opts := []remoting.ClientOption{remoting.WithConnectTimeout(2 * time.Second)}
	if cfg.tlsMode != nil && *cfg.tlsMode == remoting.TLSEnforcing {
		opts = append(opts, remoting.WithTLS(&tls.Config{InsecureSkipVerify: true}))
	}
	if creds := cfg.aclAdmin; cfg.plainACL != nil && creds.AccessKey != "" {
		opts = append(opts, remoting.WithRequestHook(func(_ string, req *remoting.Command) { creds.Sign(req) }))
	}
	return opts
}

// jvmArgs are the arguments before the main class.
func (c *Cluster) jvmArgs(heapMB int) []string {
	heap := strconv.Itoa(heapMB) + "m"
	args := []string{
		"-Xms" + heap, "-Xmx" + heap, "-XX:MaxDirectMemorySize=256m",
		// Start-up speed and a small footprint matter more here than peak throughput: C1
		// only, one GC thread family, no perf-data file in /tmp.
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
		"-Djava.net.preferIPv4Stack=true",
		// Java 17 closes these packages; without them the 4.9.7 store cannot unmap its files,
		// so shutdown throws before UNREGISTER_BROKER is sent and a restart on the same store
		// fails (shared/real-rocketmq.md).
		"--add-opens", "java.base/java.nio=ALL-UNNAMED",
		"--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
		"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
		"--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
		"--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
		"--add-opens", "java.base/java.lang=ALL-UNNAMED",
		"--add-opens", "java.base/java.util=ALL-UNNAMED",
		"-Drocketmq.home.dir=" + c.home(),
		// Everything the servers write under user.home (5.x logs, client logs) stays in the
		// work folder.
		"-Duser.home=" + c.home(),
		// A CI disk that is more than 90% full would otherwise make the broker refuse every
		// write (code 14), which is not what any test is about.
		"-Drocketmq.broker.diskSpaceWarningLevelRatio=0.99",
		"-Drocketmq.broker.diskSpaceCleanForciblyRatio=0.98",
		// A tls.properties of the machine's (/etc/rocketmq) must not change what is tested.
		"-Dtls.config.file=" + filepath.Join(c.home(), "tls.properties"),
	}
	if m := c.cfg.tlsMode; m != nil {
		args = append(args, "-Dtls.server.mode="+m.String())
	}
	return append(args, c.cfg.jvmArgs...)
}

func (c *Cluster) env() []string {
	return append(os.Environ(), "ROCKETMQ_HOME="+c.home())
}

func writeProperties(path string, kv []keyValue) error {
	var sb strings.Builder
	for _, e := range kv {
		fmt.Fprintf(&sb, "%s=%s\n", e.key, e.value)
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

func (c *Cluster) startNameServer(ctx context.Context) error {
	port, err := freePorts(0)
	if err != nil {
		return err
	}
	c.nsAddr = "127.0.0.1:" + strconv.Itoa(port)
	dir := filepath.Join(c.workDir, "namesrv")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	kv := []keyValue{
		prop("listenPort", strconv.Itoa(port)),
		// Java's defaults are under user.home; keep the KV table per run.
		prop("kvConfigPath", filepath.Join(dir, "kvConfig.json")),
		prop("configStorePath", filepath.Join(dir, "namesrv.properties")),
	}
	kv = append(kv, c.cfg.namesrvExtra...)
	confPath := filepath.Join(c.workDir, "namesrv.conf")
	if err := writeProperties(confPath, kv); err != nil {
		return err
	}
	args := append(c.jvmArgs(c.cfg.namesrvHeapMB), "-cp", c.cp,
		"org.apache.rocketmq.namesrv.NamesrvStartup", "-c", confPath)
	p, err := startProcess("namesrv", c.java, args, c.env(), c.workDir, filepath.Join(c.logDir, "namesrv.log"), c.exited)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.ns = p
	c.mu.Unlock()
	err = poll(ctx, func() (bool, error) {
		if done, werr := p.exited(); done {
			return false, fmt.Errorf("realrmq: name server exited during start (%v):\n%s", werr, p.logTail(30))
		}
		return dialable(ctx, c.nsAddr), nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("realrmq: name server not listening on %s: %w\n%s", c.nsAddr, err, p.logTail(30))
	}
	return err
}

// newBroker picks the ports of the named broker's master (id 0) or slave and writes its
// configuration.
func (c *Cluster) newBroker(name string, id int64) (*brokerProc, error) {
	// listenPort-2 is the VIP channel, listenPort+1 the HA service (a slave listens there
	// too: every 4.9.7 broker starts its HA acceptor).
	port, err := freePorts(-2, 0, 1)
	if err != nil {
		return nil, err
	}
	b := &brokerProc{name: name, id: id, port: port}
	store := filepath.Join(c.workDir, "store-"+b.label())
	if err := os.MkdirAll(filepath.Join(store, "commitlog"), 0o755); err != nil {
		return nil, err
	}
	kv := []keyValue{
		prop("brokerClusterName", c.cfg.cluster),
		prop("brokerName", name),
		prop("brokerId", "0"),
		prop("namesrvAddr", c.nsAddr),
		prop("brokerIP1", "127.0.0.1"),
		// Java defaults brokerIP2 (the HA address) to the machine's first non-loopback
		// address; loopback keeps every address a test sees on this host.
		prop("brokerIP2", "127.0.0.1"),
		// 64 MiB commit-log files instead of 1 GiB keep the store small.
		prop("mappedFileSizeCommitLog", "67108864"),
	}
	if c.cfg.autoCreateTopic != nil {
		kv = append(kv, prop("autoCreateTopicEnable", strconv.FormatBool(*c.cfg.autoCreateTopic)))
	}
	if c.cfg.plainACL != nil {
		kv = append(kv, prop("aclEnable", "true"))
	}
	if c.cfg.brokerPermission != nil {
		kv = append(kv, prop("brokerPermission", strconv.Itoa(int(*c.cfg.brokerPermission))))
	}
	if c.cfg.topicQueueNums > 0 {
		kv = append(kv, prop("defaultTopicQueueNums", strconv.Itoa(c.cfg.topicQueueNums)))
	}
	if c.cfg.registerInterval > 0 {
		kv = append(kv, prop("registerNameServerPeriod", strconv.FormatInt(c.cfg.registerInterval.Milliseconds(), 10)))
	}
	if c.cfg.txCheckInterval > 0 {
		kv = append(kv, prop("transactionCheckInterval", strconv.FormatInt(c.cfg.txCheckInterval.Milliseconds(), 10)))
	}
	if c.cfg.txTimeout > 0 {
		kv = append(kv, prop("transactionTimeOut", strconv.FormatInt(c.cfg.txTimeout.Milliseconds(), 10)))
	}
	if c.cfg.txCheckMax > 0 {
		kv = append(kv, prop("transactionCheckMax", strconv.Itoa(c.cfg.txCheckMax)))
	}
	ip1 := "127.0.0.1"
	for _, e := range c.cfg.brokerExtra {
		if e.broker == "" || e.broker == name {
			kv = append(kv, e)
			if e.key == "brokerIP1" {
				ip1 = e.value
			}
		}
	}
	// Last, so that extra settings cannot move the broker away from where we look for it.
	kv = append(kv,
		prop("listenPort", strconv.Itoa(port)),
		prop("storePathRootDir", store),
		prop("storePathCommitLog", filepath.Join(store, "commitlog")),
	)
	if id != masterID {
		// No haMasterAddress: with none, 4.9.7 sets the one the name server answers the
		// slave's registration with (updateMasterHAServerAddrPeriodically).
		kv = append(kv, prop("brokerId", strconv.FormatInt(id, 10)), prop("brokerRole", "SLAVE"))
	}
	b.addr = net.JoinHostPort(ip1, strconv.Itoa(port))
	b.store = store
	b.confPath = filepath.Join(c.workDir, b.label()+".conf")
	b.logPath = filepath.Join(c.logDir, b.label()+".log")
	if err := writeProperties(b.confPath, kv); err != nil {
		return nil, err
	}
	return b, nil
}

// startBroker starts b's JVM and waits until the name server lists it at its address and its
// port accepts connections.
func (c *Cluster) startBroker(ctx context.Context, b *brokerProc) error {
	args := c.jvmArgs(c.cfg.brokerHeapMB)
	if c.cfg.lockExpiry > 0 {
		args = append(args, "-Drocketmq.broker.rebalance.lockMaxLiveTime="+strconv.FormatInt(c.cfg.lockExpiry.Milliseconds(), 10))
	}
	args = append(args, "-cp", c.cp, "org.apache.rocketmq.broker.BrokerStartup", "-c", b.confPath)
	p, err := startProcess(b.label(), c.java, args, c.env(), c.workDir, b.logPath, c.exited)
	if err != nil {
		return err
	}
	c.mu.Lock()
	b.proc = p
	c.mu.Unlock()
	local := "127.0.0.1:" + strconv.Itoa(b.port)
	err = poll(ctx, func() (bool, error) {
		if done, werr := p.exited(); done {
			return false, fmt.Errorf("realrmq: broker %s exited during start (%v):\n%s", b.label(), werr, p.logTail(30))
		}
		if !dialable(ctx, local) {
			return false, nil
		}
		info, err := c.ClusterInfo(ctx)
		if err != nil {
			return false, nil // the name server may be busy: keep polling
		}
		bd, ok := info.BrokerAddrTable[b.name]
		return ok && bd.BrokerAddrs[b.id] == b.addr, nil
	})
	if err == nil {
		return nil
	}
	// A broker that did not come up is not running: stop what is left of it and forget the
	// process, so that StartBroker can try again.
	p.kill()
	c.mu.Lock()
	if b.proc == p {
		b.proc = nil
	}
	c.mu.Unlock()
	if ctx.Err() != nil {
		return fmt.Errorf("realrmq: broker %s not registered at %s: %w\n%s", b.label(), b.addr, err, p.logTail(30))
	}
	return err
}

// exited records a server's exit that nobody asked for.
func (c *Cluster) exited(p *process) {
	if p.stopping.Load() {
		return
	}
	c.crashOnce.Do(func() {
		c.crashErr = fmt.Errorf("realrmq: %s exited unexpectedly (%v):\n%s", p.name, p.waitErr, p.logTail(20))
		close(c.crashed)
	})
}

// Wait blocks until a server process exits without being asked to (StopBroker, KillBroker
// and Close ask), returning why, or until ctx ends, returning nil. It lets a command that
// runs a cluster by hand notice a crashed JVM.
func (c *Cluster) Wait(ctx context.Context) error {
	select {
	case <-c.crashed:
		return c.crashErr
	case <-ctx.Done():
		return nil
	}
}

// NameServerAddr is the name server's host:port.
func (c *Cluster) NameServerAddr() string { return c.nsAddr }

// Version is the RocketMQ release running.
func (c *Cluster) Version() string { return c.cfg.version }

// ClusterName is the brokers' brokerClusterName.
func (c *Cluster) ClusterName() string { return c.cfg.cluster }

// LogDir is where the JVMs' logs are: namesrv.log and <broker name>.log.
func (c *Cluster) LogDir() string { return c.logDir }

// Brokers lists the master brokers in start order, stopped ones included (Running false).
func (c *Cluster) Brokers() []Broker { return c.list(masterID) }

// Slaves lists the slaves WithSlaves started, one per broker name in the masters' order,
// stopped ones included (Running false).
func (c *Cluster) Slaves() []Broker { return c.list(slaveID) }

func (c *Cluster) list(id int64) []Broker {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Broker, 0, len(c.brokers))
	for _, b := range c.brokers {
		if b.id != id {
			continue
		}
		running := b.proc != nil
		if running {
			done, _ := b.proc.exited()
			running = !done
		}
		out = append(out, Broker{Name: b.name, ID: b.id, Addr: b.addr, Cluster: c.cfg.cluster, Running: running})
	}
	return out
}

// BrokerAddr returns the address of the named broker's master.
func (c *Cluster) BrokerAddr(name string) (string, bool) {
	b := c.broker(name)
	if b == nil {
		return "", false
	}
	return b.addr, true
}

// SlaveAddr returns the address of the named broker's slave; false without WithSlaves.
func (c *Cluster) SlaveAddr(name string) (string, bool) {
	b := c.brokerID(name, slaveID)
	if b == nil {
		return "", false
	}
	return b.addr, true
}

func (c *Cluster) broker(name string) *brokerProc { return c.brokerID(name, masterID) }

func (c *Cluster) brokerID(name string, id int64) *brokerProc {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.brokers, func(b *brokerProc) bool { return b.name == name && b.id == id })
	if i < 0 {
		return nil
	}
	return c.brokers[i]
}

// slave returns the named broker's slave, or an error wrapping ErrUnknownBroker.
func (c *Cluster) slave(name string) (*brokerProc, error) {
	b := c.brokerID(name, slaveID)
	if b == nil {
		return nil, fmt.Errorf("%w: no slave of %q", ErrUnknownBroker, name)
	}
	return b, nil
}

// StopBroker stops the named broker cleanly (SIGTERM: it unregisters from the name server,
// whose routes drop it at once) and waits for the process to end. Its store stays, so
// StartBroker brings it back with its topics, messages and offsets.
func (c *Cluster) StopBroker(name string) error {
	b := c.broker(name)
	if b == nil {
		return fmt.Errorf("%w %q", ErrUnknownBroker, name)
	}
	c.mu.Lock()
	p := b.proc
	b.proc = nil
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.stop(c.cfg.stopGrace)
}

// KillBroker ends the named broker with SIGKILL, as a crash: nothing is unregistered, and
// the name server drops it when the broker's connection closes.
func (c *Cluster) KillBroker(name string) error {
	b := c.broker(name)
	if b == nil {
		return fmt.Errorf("%w %q", ErrUnknownBroker, name)
	}
	c.kill(b)
	return nil
}

// KillSlave is KillBroker for the named broker's slave.
func (c *Cluster) KillSlave(name string) error {
	b, err := c.slave(name)
	if err != nil {
		return err
	}
	c.kill(b)
	return nil
}

func (c *Cluster) kill(b *brokerProc) {
	c.mu.Lock()
	p := b.proc
	b.proc = nil
	c.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// StartBroker starts a stopped broker again on the same ports and store, and waits until the
// name server lists it. Starting a running broker is an error.
func (c *Cluster) StartBroker(ctx context.Context, name string) error {
	b := c.broker(name)
	if b == nil {
		return fmt.Errorf("%w %q", ErrUnknownBroker, name)
	}
	return c.restart(ctx, b)
}

// StartSlave is StartBroker for the named broker's slave.
func (c *Cluster) StartSlave(ctx context.Context, name string) error {
	b, err := c.slave(name)
	if err != nil {
		return err
	}
	return c.restart(ctx, b)
}

func (c *Cluster) restart(ctx context.Context, b *brokerProc) error {
	name := b.label()
	c.mu.Lock()
	running := b.proc != nil
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return errClosed
	}
	if running {
		return fmt.Errorf("realrmq: broker %q is running", name)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.startTimeout)
	defer cancel()
	err := c.startBroker(ctx, b)
	if err == nil || !strings.Contains(err.Error(), "length not matched") {
		return err
	}
	// A 4.9.7 broker killed while it creates a consume-queue file leaves that file empty, and
	// then refuses to start ("0 length not matched message store config value, please check it
	// manually"). As an operator would, the empty consume-queue files are removed (the commit
	// log rebuilds them) and the start is tried once more; Repairs tells what was removed.
	removed, rerr := removeEmptyFiles(filepath.Join(b.store, "consumequeue"))
	if rerr != nil || len(removed) == 0 {
		return errors.Join(err, rerr)
	}
	c.mu.Lock()
	c.repairs = append(c.repairs, fmt.Sprintf(
		"%s did not start after its crash (empty consume-queue files %v); removed them and started it again", name, removed))
	c.mu.Unlock()
	return c.startBroker(ctx, b)
}

// Repairs lists what StartBroker repaired in a store before a broker would start again.
func (c *Cluster) Repairs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.repairs)
}

// removeEmptyFiles removes the empty regular files under dir and returns their paths
// relative to dir.
func removeEmptyFiles(dir string) ([]string, error) {
	var removed []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil || info.Size() != 0 {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		removed = append(removed, rel)
		return os.Remove(path)
	})
	return removed, err
}

// LogTail returns the last n lines of every server's log, each under a header line.
func (c *Cluster) LogTail(n int) string {
	c.mu.Lock()
	paths := []struct{ name, path string }{}
	if c.ns != nil {
		paths = append(paths, struct{ name, path string }{"namesrv", c.ns.logPath})
	}
	for _, b := range c.brokers {
		paths = append(paths, struct{ name, path string }{b.label(), b.logPath})
	}
	c.mu.Unlock()
	var sb strings.Builder
	for _, p := range paths {
		b, err := readTail(p.path, 64<<10)
		fmt.Fprintf(&sb, "==== %s (%s) ====\n", p.name, p.path)
		if err != nil {
			fmt.Fprintf(&sb, "(%v)\n", err)
			continue
		}
		sb.WriteString(tail(string(b), n))
		sb.WriteString("\n")
	}
	return sb.String()
}

// errClosed is returned by what cannot be done after Close.
var errClosed = errors.New("realrmq: cluster closed")

// Close stops the brokers (cleanly, in parallel), then the name server, and removes the work
// folder it created. It is safe to call more than once, and on a cluster that never started.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var procs []*process
	for _, b := range c.brokers {
		if b.proc != nil {
			procs = append(procs, b.proc)
			b.proc = nil
		}
	}
	ns := c.ns
	c.mu.Unlock()

	errs := make([]error, len(procs)+1)
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() { errs[i] = p.stop(c.cfg.stopGrace) })
	}
	wg.Wait()
	// The name server goes last so that the brokers' UNREGISTER_BROKER finds it.
	if ns != nil {
		errs[len(procs)] = ns.stop(c.cfg.stopGrace)
	}
	if c.client != nil {
		_ = c.client.Close()
	}
	if c.ownsWork {
		errs = append(errs, os.RemoveAll(c.workDir))
	}
	return errors.Join(errs...)
}
