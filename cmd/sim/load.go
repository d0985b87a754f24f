package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/load"
)

const loadSynopsis = "[-namesrv HOST:PORT] [-brokers N] [-topic T] [-mode sync|async|oneway|batch] " +
	"[-producers N] [-concurrency N] [-size BYTES] [-rate MSGS_PER_S] [-duration D | -messages N] " +
	"[-consumers N] [-consumer-kind push|litepull|orderly] [-consume-time D] [-consume-fail-rate P] [-drain D] " +
	"[-max-failed N] [-plan FILE] [-admin HOST:PORT | -sim-admin URL] [-admin-token TOKEN] [-report FILE.html] [-omb-json FILE] [-json]"

// runLoad is "sim load" (design.md §3): progress on stderr, with -json the summary as the last
// line of stdout, with -report an HTML report.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", loadSynopsis, stdout)
	var cfg load.Config
	fs.StringVar(&cfg.NameServer, "namesrv", "", "name server of an existing cluster, fake or real (default: start an in-process fake cluster)")
	fs.IntVar(&cfg.Brokers, "brokers", 0, fmt.Sprintf("%s of the in-process cluster (default %d, as for serve and real, or the plan's)", brokersUsage, load.DefaultBrokers))
	memnet := fs.Bool("memnet", false, "run the in-process cluster on an in-memory network instead of loopback TCP")
	fs.StringVar(&cfg.Topic, "topic", load.DefaultTopic, "topic; with -topic-count N > 1: T-0 ... T-(N-1)")
	fs.IntVar(&cfg.Topics, "topic-count", 1, "number of topics")
	// -topics was the count until it took serve's meaning elsewhere (a list T1:Q,T2:Q): a load
	// run given it is told the new name rather than sent to the flag list.
	fs.Func("topics", "(in serve a list T1:Q,T2:Q; here use -topic-count N and -queues Q)", func(string) error {
		return errors.New("sim load takes -topic-count N (topics T-0 ... T-(N-1)) and -queues Q; -topics T1:Q,T2:Q is serve's")
	})
	fs.IntVar(&cfg.Queues, "queues", 0, fmt.Sprintf("write queues per topic and broker when the run creates the topic (default %d, or the plan's)", load.DefaultQueues))
	mode := fs.String("mode", "sync", "send mode: sync, async, oneway or batch")
	fs.IntVar(&cfg.Producers, "producers", load.DefaultProducers, "producers (client instances)")
	fs.IntVar(&cfg.Concurrency, "concurrency", load.DefaultConcurrency, "senders per producer")
	fs.IntVar(&cfg.InFlight, "inflight", load.DefaultInFlight, "async: outstanding sends per sender")
	fs.IntVar(&cfg.BatchSize, "batch-size", load.DefaultBatchSize, "batch: messages per batch")
	fs.IntVar(&cfg.Size, "size", load.DefaultSize, "message body size in bytes")
	fs.Float64Var(&cfg.Rate, "rate", 0, "messages per second over all senders (0: as fast as possible)")
	fs.DurationVar(&cfg.Duration, "duration", 0, fmt.Sprintf("how long to send (default %v, or the plan's)", load.DefaultDuration))
	fs.Int64Var(&cfg.Messages, "messages", 0, "how many messages to send (instead of -duration)")
	fs.DurationVar(&cfg.SendTimeout, "send-timeout", 0, "budget of one send, retries included (default the client's 3s)")
	fs.DurationVar(&cfg.AttemptTimeout, "attempt-timeout", 0, "cap on each attempt of a sync send while retries remain (default none)")
	retries := fs.Int("retries", 2, "retries of a failed send (sync and async)")
	fs.BoolVar(&cfg.LatencyFault, "latency-fault", false, "turn on the client's latency fault tolerance (Java's table)")
	fs.DurationVar(&cfg.RoutePollInterval, "route-poll", 0, "how often producers refresh routes (default the plan's, else 30s)")
	planFile := fs.String("plan", "", "fault plan, JSON or YAML: applied to the in-process cluster, or with -namesrv through -sim-admin; see examples/plans/")
	adminF := adminFlags{
		addr: fs.String("admin", "", "serve the in-process cluster's admin HTTP API and web console on this address during the run, each plan step marked on its timeline (as serve's -admin)"),
		token: fs.String("admin-token", "", "bearer token of -admin's API, or of -sim-admin's; default $"+adminTokenEnv+
			"; required when -admin listens beyond loopback"),
	}
	simAdmin := fs.String("sim-admin", "", "with -namesrv of a sim serve (or sim proxy): its admin API URL (http://HOST:PORT); the plan's crash, start and fault steps go through it, and each step is marked on its timeline")
	fs.Float64Var(&cfg.PlanSpeed, "plan-speed", 1, "run the plan this many times faster (offsets, windows, expiry and its duration)")
	fs.DurationVar(&cfg.Interval, "interval", load.DefaultInterval, "progress and report sampling interval")
	fs.DurationVar(&cfg.Settle, "settle", 0, "wait before reading the stores back (default: the plan's longest delay + 100ms)")
	fs.IntVar(&cfg.Consumers, "consumers", 0, "consumers of the run's topics, in a group of the run's own; 0: none, or the plan's (each acknowledged message must then be consumed, or it counts lost)")
	kind := fs.String("consumer-kind", "", "consumer: push (concurrent listener), litepull or orderly (default push, or the plan's)")
	fs.DurationVar(&cfg.ConsumeTime, "consume-time", 0, "how long consuming each message takes")
	fs.Float64Var(&cfg.ConsumeFailRate, "consume-fail-rate", 0, "share of deliveries the listener fails (0..1): they come back as retries (push) or after a suspend (orderly)")
	fs.DurationVar(&cfg.Drain, "drain", load.DefaultDrain, "after the last send, how long the consumers get to consume every acknowledged message; it ends as soon as none is missing")
	maxFailed := fs.Int64("max-failed", 0, "failed sends a run may have and still exit 0 (-1: any; default 0, or any when the plan expects failures)")
	report := fs.String("report", "", "write an HTML report (charts of throughput and latency) to this file")
	jsonOut := fs.Bool("json", false, "print the summary as one JSON object, the last line of stdout")
	ombFile := fs.String("omb-json", "", "write the run as OpenMessaging Benchmark's result JSON to this file, for its create_charts.py (give -interval 10s for its time axis)")
	ombWorkload := fs.String("omb-workload", "", "-omb-json: the workload name the chart script groups by (default: made from topics, queues and size, as the benchmark names its workloads)")
	ombDriver := fs.String("omb-driver", "", "-omb-json: the driver name, the chart's legend (default \"rocketsim fake\", or \"rocketsim -namesrv ADDR\")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := usagef
	m, err := load.ParseMode(*mode)
	if err != nil {
		return usageErr("-mode: %v", err)
	}
	cfg.Mode = m
	if *retries < 0 {
		return usageErr("-retries must not be negative")
	}
	cfg.Retries = *retries
	if *retries == 0 {
		cfg.Retries = -1
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, v := range map[string]int{"brokers": cfg.Brokers, "topic-count": cfg.Topics, "queues": cfg.Queues, "producers": cfg.Producers,
		"concurrency": cfg.Concurrency, "inflight": cfg.InFlight, "batch-size": cfg.BatchSize, "size": cfg.Size} {
		if set[name] && v < 1 {
			return usageErr("-%s must be at least 1", name)
		}
	}
	if set["plan-speed"] && cfg.PlanSpeed <= 0 {
		return usageErr("-plan-speed must be positive")
	}
	if set["duration"] && set["messages"] {
		return usageErr("give -duration or -messages, not both")
	}
	if set["duration"] && cfg.Duration <= 0 {
		return usageErr("-duration must be positive")
	}
	if set["messages"] && cfg.Messages <= 0 {
		return usageErr("-messages must be positive")
	}
	if set["brokers"] && cfg.NameServer != "" {
		return usageErr("-brokers is for the in-process cluster; it cannot go with -namesrv")
	}
	cfg.MemNetwork = *memnet
	if *kind != "" {
		k, err := load.ParseConsumerKind(*kind)
		if err != nil {
			return usageErr("-consumer-kind: %v", err)
		}
		cfg.ConsumerKind = k
	}
	if set["consumers"] && cfg.Consumers < 0 {
		return usageErr("-consumers must not be negative")
	}
	if set["drain"] && cfg.Drain <= 0 {
		return usageErr("-drain must be positive")
	}
	if *maxFailed < -1 {
		return usageErr("-max-failed must be -1 (any) or more")
	}
	if set["max-failed"] {
		cfg.MaxFailed = *maxFailed
		if *maxFailed == 0 {
			// 0 on the command line means none, even when the plan expects failures.
			cfg.MaxFailed = load.NoFailures
		}
	}
	if *adminF.addr != "" && cfg.NameServer != "" {
		return usageErr("-admin serves the in-process cluster's admin API; with -namesrv, give -sim-admin the admin API of the sim serve behind it")
	}
	if *simAdmin != "" {
		if cfg.NameServer == "" {
			return usageErr("-sim-admin goes with -namesrv: the name server of the sim serve whose admin API it is")
		}
		if !strings.HasPrefix(*simAdmin, "http://") && !strings.HasPrefix(*simAdmin, "https://") {
			return usageErr("-sim-admin %q: want the admin API's URL, http://HOST:PORT", *simAdmin)
		}
		cfg.SimAdmin, cfg.SimAdminToken = *simAdmin, adminF.tokenValue()
	}
	if *planFile != "" {
		p, err := load.LoadPlan(*planFile)
		if err != nil {
			return usageErr("-plan: %v", err)
		}
		cfg.Plan = p
	}
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	cfg.Progress = stderr

	adminSrv, err := listenAdmin(adminF)
	if err != nil {
		return err
	}
	defer adminSrv.Close()
	if adminSrv != nil {
		serveLoadAdmin(&cfg, adminSrv, stderr)
	}
	res, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	s := res.Summary
	// In the progress lines' units: messages per second, milliseconds, seconds since the
	// first send (the -json summary keeps its microseconds, a contract).
	fmt.Fprintf(stderr, "Done: %s, %d producer(s) x %d sender(s), %d B: sent %d, acked %d, failed %d, lost %s, duplicated %s in %.2fs (Send TPS: %.0f); latency %s\n",
		s.Mode, s.Producers, s.Concurrency, s.Size, s.Messages.Sent, s.Messages.Acked, s.Messages.Failed,
		notChecked(s.Messages.Lost), notChecked(s.Messages.Duplicated), s.ElapsedSeconds, s.Throughput, latencyMs(s.LatencyMicros))
	if s.Messages.Dropped > 0 {
		fmt.Fprintf(stderr, "Dropped: %d stored message(s) deleted by the brokers' retention before the read-back (not counted as lost)\n", s.Messages.Dropped)
	}
	for _, b := range res.Brokers {
		fmt.Fprintf(stderr, "Broker %s: acked %d, failed attempts %d, retries taken %d\n", b.Broker, b.Acked, b.Failed, b.Retries)
	}
	if c := s.Consumption; c != nil {
		fmt.Fprintf(stderr, "Consumed: %d consumer(s) (%s): consumed %d, lost %d, duplicated %d (retry %d, rebalance %d, restart %d), redelivered %d, order violations %d, max lag %d, drained in %.2fs; end-to-end %s\n",
			c.Consumers, c.Kind, c.Consumed, c.Lost, c.Duplicated, c.DuplicatedBy.Retry, c.DuplicatedBy.Rebalance, c.DuplicatedBy.Restart,
			c.Redelivered, c.OrderViolations, c.MaxLag, c.DrainSeconds, latencyMs(c.EndToEndMicros))
	}
	if l := s.IntendedLatencyMicros; l != nil {
		fmt.Fprintf(stderr, "Latency from the intended send times (-rate; service time above): %s\n", latencyMs(*l))
	}
	if *report != "" {
		if err := writeReport(*report, res); err != nil {
			return fmt.Errorf("-report: %w", err)
		}
		fmt.Fprintf(stderr, "Report: %s\n", *report)
	}
	if *ombFile != "" {
		driver := *ombDriver
		if driver == "" {
			driver = "rocketsim fake"
			if cfg.NameServer != "" {
				driver = "rocketsim -namesrv " + cfg.NameServer
			}
		}
		if err := writeOMB(*ombFile, res, *ombWorkload, driver); err != nil {
			return fmt.Errorf("-omb-json: %w", err)
		}
		fmt.Fprintf(stderr, "OpenMessaging Benchmark result: %s\n", *ombFile)
	}
	if *jsonOut {
		line, err := res.JSON()
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
			return err
		}
	}
	if problems := res.Problems(); len(problems) > 0 {
		return fmt.Errorf("the run failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

// latencyMs writes a distribution in microseconds as the progress lines do, in milliseconds.
func latencyMs(l load.Latency) string {
	f := func(us int64) float64 { return float64(us) / 1000 }
	return fmt.Sprintf("p50(ms): %.3f p90(ms): %.3f p99(ms): %.3f p99.9(ms): %.3f max(ms): %.3f", f(l.P50), f(l.P90), f(l.P99), f(l.P999), f(l.Max))
}

func notChecked(n int64) string {
	if n < 0 {
		return "not checked"
	}
	return fmt.Sprint(n)
}

func writeOMB(path string, res *load.Result, workload, driver string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := load.WriteOMBResult(f, res, workload, driver); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func writeReport(path string, res *load.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := load.WriteReport(f, res); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// serveLoadAdmin has the run serve its in-process cluster's admin API and console on a (-admin)
// from the cluster's start until just before it closes, and mark each plan step on the
// cluster's timeline.
func serveLoadAdmin(cfg *load.Config, a *adminServer, stderr io.Writer) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var cl atomic.Pointer[fakecluster.Cluster]
	cfg.OnCluster = func(c *fakecluster.Cluster) func() {
		cl.Store(c)
		a.serve(c.AdminHandler(), logger, nil)
		fmt.Fprintf(stderr, "Admin API and console: %s\n", a.URL(""))
		return func() {
			ctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
			defer cancel()
			if err := a.Shutdown(ctx); err != nil {
				logger.Warn("admin API: unclean stop", "err", err)
			}
		}
	}
	cfg.Mark = func(label string) {
		if c := cl.Load(); c != nil {
			c.Mark(label)
		}
	}
}
