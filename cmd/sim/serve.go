package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/acl"
	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/protocol"
)

// serveShutdownTimeout bounds the graceful stop: brokers unregister, requests in flight finish.
const serveShutdownTimeout = 10 * time.Second

// serveReady is the one line "sim serve" prints on stdout when the cluster is ready
// (design.md §3: tools parse it).
type serveReady struct {
	NameSrv string        `json:"namesrv"`
	Brokers []serveBroker `json:"brokers"`
	Admin   string        `json:"admin,omitempty"`
}

type serveBroker struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
}

type topicFlag []protocol.TopicConfig

func (t *topicFlag) String() string {
	parts := make([]string, 0, len(*t))
	for _, tc := range *t {
		parts = append(parts, fmt.Sprintf("%s:%d", tc.TopicName, tc.WriteQueueNums))
	}
	return strings.Join(parts, ",")
}

// Set reads "T1:Q,T2:Q"; a topic without ":Q" gets 8 queues, as mqadmin updateTopic gives.
func (t *topicFlag) Set(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, q, hasQ := strings.Cut(item, ":")
		queues := 8
		if hasQ {
			n, err := strconv.Atoi(q)
			if err != nil || n < 1 || n > 1024 {
				return fmt.Errorf("topic %q: queue count must be 1..1024", item)
			}
			queues = n
		}
		if err := protocol.CheckTopic(name); err != nil {
			return err
		}
		tc := protocol.NewTopicConfig(name)
		tc.ReadQueueNums, tc.WriteQueueNums = int32(queues), int32(queues)
		*t = append(*t, tc)
	}
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[-namesrv HOST:PORT] [-advertise HOST] [-brokers N] [-cluster NAME] [-topics T1:Q,T2:Q] [-auto-create=true] [-acl plain_acl.yml|CONF_DIR [-acl-watch D]] [-admin HOST:PORT [-admin-token TOKEN]] [-tls [-tls-cert F -tls-key F] [-tls-mode permissive|enforcing]] [-max-conns N] [-max-inflight N] [-max-frame B] [-max-header B] [-max-unwritten B] [-idle-timeout D] [-frame-timeout D] [-store-limit BYTES] [-store-segment BYTES] [-history N] [-log-level LEVEL] [-cpuprofile FILE]", stdout)
	nsAddr := fs.String("namesrv", "127.0.0.1:9876", "name server listen address (port 0 picks a free port)")
	advertise := fs.String("advertise", "", "host the brokers register with the name server (Java's brokerIP1) and the ready line names, for servers listening on every interface (default: the listen address)")
	brokers := fs.Int("brokers", defaultBrokers, brokersUsage)
	brokerPort := fs.Int("broker-port", 0, "port of broker-a; broker-b gets the next one, and so on (0: free ports)")
	cluster := fs.String("cluster", "DefaultCluster", "brokerClusterName of the brokers")
	var topics topicFlag
	fs.Var(&topics, "topics", "topics to create on every broker, as T1:Q,T2:Q; a topic without :Q gets 8 queues, as mqadmin updateTopic gives")
	autoCreate := fs.Bool("auto-create", true, "create unknown topics on first send from TBW102 (autoCreateTopicEnable)")
	aclFile := fs.String("acl", "", "plain_acl.yml, or a conf directory holding plain_acl.yml and acl/*.yml: the brokers check requests as 4.9.7 brokers with aclEnable=true do, with plain_acl.yml and every .yml/.yaml under the acl directory beside it (the admin API signs with the first admin account); the ACL admin codes write to the file that holds the account")
	aclWatch := fs.Duration("acl-watch", acl.DefaultWatchInterval, "how often the brokers look for changed, added and removed ACL files, as 4.9.7's AclFileWatchService does every 5s (0: never)")
	adminF := addAdminFlags(fs)
	secF := addSecurityFlags(fs)
	storeF := addStoreFlags(fs)
	logLevel := addLogLevelFlag(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof), for finding where the fake spends its time under load")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *brokers < 1 || *brokerPort < 0 || *brokerPort > 65535 {
		return usagef("-brokers must be at least 1 and -broker-port a port number")
	}
	secOpts, err := secF.options()
	if err != nil {
		return usagef("%v", err)
	}

	host, _, err := net.SplitHostPort(*nsAddr)
	if err != nil {
		return fmt.Errorf("-namesrv: %w", err)
	}
	opts := []fakecluster.Option{
		fakecluster.WithNameServerAddr(*nsAddr),
		fakecluster.WithHost(host),
		fakecluster.WithBrokers(*brokers),
		fakecluster.WithCluster(*cluster),
		fakecluster.WithAutoCreateTopic(*autoCreate),
		fakecluster.WithLogger(logger),
	}
	if *advertise != "" {
		if strings.ContainsAny(*advertise, ":/ ") && net.ParseIP(*advertise) == nil {
			return usagef("-advertise %q: want a host name or IP address, without a port", *advertise)
		}
		opts = append(opts, fakecluster.WithAdvertisedHost(*advertise))
	}
	opts = append(opts, secOpts...)
	if *aclFile != "" {
		aclOpts, err := aclOptions(*aclFile, *aclWatch, logger)
		if err != nil {
			return usagef("-acl: %v", err)
		}
		opts = append(opts, aclOpts...)
	}
	storeOpts, err := storeF.options()
	if err != nil {
		return usagef("%v", err)
	}
	opts = append(opts, storeOpts...)
	for _, tc := range topics {
		opts = append(opts, fakecluster.WithTopicConfig(tc))
	}
	if *brokerPort > 0 {
		for i := range *brokers {
			addr := net.JoinHostPort(host, strconv.Itoa(*brokerPort+i))
			opts = append(opts, fakecluster.WithBrokerOptionsFor(fakecluster.BrokerName(i), fakebroker.WithListenAddr(addr)))
		}
	}
	adminSrv, err := listenAdmin(adminF)
	if err != nil {
		return err
	}
	defer adminSrv.Close()
	cl, err := fakecluster.New(opts...)
	if err != nil {
		return err
	}
	// WithStartTimeout bounds the start; a signal that comes meanwhile is handled once the
	// cluster is up, with a clean stop.
	if err := cl.Start(context.Background()); err != nil {
		return err
	}

	ready := serveReady{NameSrv: cl.NameServerAddr()}
	for _, b := range cl.Brokers() {
		ready.Brokers = append(ready.Brokers, serveBroker{Name: b.Name(), Addr: b.Addr()})
	}
	hits := newHitLogger(logger, historiesOf(cl))
	defer hits.stop()
	// Faults come only through the admin API here, so the first rule added starts the watch.
	adminSrv.serve(cl.AdminHandler(), logger, func(r *http.Request, status int) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/faults" && status < 300 {
			hits.start()
		}
	})
	ready.Admin = adminSrv.URL(*advertise)

	line, err := json.Marshal(ready)
	if err != nil {
		_ = cl.Close()
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		_ = cl.Close()
		return err
	}
	logger.Info("cluster ready", "namesrv", ready.NameSrv, "brokers", len(ready.Brokers), "admin", ready.Admin)

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("stopping")
	case serveErr = <-adminSrv.Done():
		serveErr = fmt.Errorf("admin API: %w", serveErr)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	var errs []error
	errs = append(errs, adminSrv.Shutdown(stopCtx))
	errs = append(errs, cl.Shutdown(stopCtx))
	if err := errors.Join(errs...); err != nil {
		logger.Warn("unclean stop", "err", err)
	}
	return serveErr
}

// startCPUProfile profiles the process into path until the returned func is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// historiesOf is the request history of each server that fault rules can target.
func historiesOf(cl *fakecluster.Cluster) map[string]*fault.History {
	out := map[string]*fault.History{fakecluster.NameServerTarget: cl.NameServer().History()}
	for _, b := range cl.Brokers() {
		out[b.Name()] = b.History()
	}
	return out
}

// aclOptions loads the ACL files of -acl as a 4.9.7 broker does. A file is the broker's
// conf/plain_acl.yml and the acl directory beside it its conf/acl; a directory is the broker's
// conf directory. The cluster's own admin requests (the admin API's topic, group and consumer
// calls) are signed by the first admin account, if there is one.
func aclOptions(path string, watch time.Duration, logger *slog.Logger) ([]fakecluster.Option, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	conf, defaultFile := filepath.Dir(abs), abs
	if fi.IsDir() {
		conf, defaultFile = abs, filepath.Join(abs, "plain_acl.yml")
	}
	layout := acl.Layout{DefaultFile: defaultFile, Dir: filepath.Join(conf, "acl")}
	// Loaded once here so that a file that does not load stops serve before it listens.
	s, err := acl.OpenStore(layout, acl.StoreOptions{Logger: logger})
	if err != nil {
		return nil, err
	}
	var admin acl.Credentials
	for _, a := range s.Config().Accounts {
		if a.Admin {
			admin = acl.Credentials{AccessKey: a.AccessKey, SecretKey: a.SecretKey}
			break
		}
	}
	logger.Info("acl: files loaded", "files", s.Files(), "watch", watch)
	return []fakecluster.Option{fakecluster.WithACLFiles(layout, watch, admin)}, nil
}

// readACL reads and checks the plain_acl.yml of -acl as a broker would load it, and returns it
// with its first admin account (zero credentials when it has none).
func readACL(path string) ([]byte, *acl.Validator, acl.Credentials, error) {
	var admin acl.Credentials
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, admin, err
	}
	cfg, err := acl.ParseConfig(data)
	if err != nil {
		return nil, nil, admin, err
	}
	v, err := acl.NewValidator(cfg)
	if err != nil {
		return nil, nil, admin, err
	}
	for _, a := range cfg.Accounts {
		if a.Admin {
			admin = acl.Credentials{AccessKey: a.AccessKey, SecretKey: a.SecretKey}
			break
		}
	}
	return data, v, admin, nil
}
