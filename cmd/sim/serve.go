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
	"strconv"
	"strings"
	"time"

	"github.com/rocketsim/rocketsim/fakebroker"
	"github.com/rocketsim/rocketsim/fakecluster"
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
	fs := newFlagSet("serve", "[-namesrv HOST:PORT] [-brokers N] [-cluster NAME] [-topics T1:Q,T2:Q] [-auto-create=true] [-admin HOST:PORT]", stderr)
	nsAddr := fs.String("namesrv", "127.0.0.1:9876", "name server listen address (port 0 picks a free port)")
	brokers := fs.Int("brokers", 1, "number of brokers (broker-a, broker-b, ...)")
	brokerPort := fs.Int("broker-port", 0, "port of broker-a; broker-b gets the next one, and so on (0: free ports)")
	cluster := fs.String("cluster", "DefaultCluster", "brokerClusterName of the brokers")
	var topics topicFlag
	fs.Var(&topics, "topics", "topics to create on every broker, as T1:Q,T2:Q")
	autoCreate := fs.Bool("auto-create", true, "create unknown topics on first send from TBW102 (autoCreateTopicEnable)")
	adminAddr := fs.String("admin", "", "admin HTTP API listen address (empty: no admin API)")
	logLevel := fs.String("log-level", "info", "log level on stderr: debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "bad -log-level %q\n", *logLevel)
		return errUsage
	}
	if *brokers < 1 || *brokerPort < 0 || *brokerPort > 65535 {
		fmt.Fprintln(stderr, "-brokers must be at least 1 and -broker-port a port number")
		return errUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

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
	for _, tc := range topics {
		opts = append(opts, fakecluster.WithTopicConfig(tc))
	}
	if *brokerPort > 0 {
		for i := range *brokers {
			addr := net.JoinHostPort(host, strconv.Itoa(*brokerPort+i))
			opts = append(opts, fakecluster.WithBrokerOptionsFor(fakecluster.BrokerName(i), fakebroker.WithListenAddr(addr)))
		}
	}
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
	var adminSrv *http.Server
	adminDone := make(chan error, 1)
	if *adminAddr != "" {
		l, err := net.Listen("tcp", *adminAddr)
		if err != nil {
			_ = cl.Close()
			return fmt.Errorf("-admin: %w", err)
		}
		adminSrv = &http.Server{Handler: cl.AdminHandler(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go func() { adminDone <- adminSrv.Serve(l) }()
		ready.Admin = "http://" + l.Addr().String()
	}

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
	case serveErr = <-adminDone:
		serveErr = fmt.Errorf("admin API: %w", serveErr)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	var errs []error
	if adminSrv != nil {
		errs = append(errs, adminSrv.Shutdown(stopCtx))
	}
	errs = append(errs, cl.Shutdown(stopCtx))
	if err := errors.Join(errs...); err != nil {
		logger.Warn("unclean stop", "err", err)
	}
	return serveErr
}
