package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rocketsim/rocketsim/proxy"
)

// proxyStartTimeout bounds the proxy's start: asking the upstream name server for its brokers.
const proxyStartTimeout = 10 * time.Second

// runProxy puts the proxy in front of the cluster behind -upstream and keeps it up until
// interrupted, printing the same ready line as "sim serve" with the proxy's addresses.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("proxy", "-upstream NS_ADDR [-listen HOST:PORT] [-admin HOST:PORT [-admin-token TOKEN]] [-log-level LEVEL]", stdout)
	upstream := fs.String("upstream", "", "the name server of the cluster behind the proxy (required)")
	listen := fs.String("listen", proxy.DefaultListenAddr, "the proxy's name server listen address (port 0 picks a free port); its broker listeners take free ports on the same host")
	adminF := addAdminFlags(fs)
	logLevel := addLogLevelFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	if *upstream == "" {
		return usagef("-upstream is required: the name server of the cluster to put the proxy in front of")
	}

	adminSrv, err := listenAdmin(adminF)
	if err != nil {
		return err
	}
	defer adminSrv.Close()
	p, err := proxy.New(*upstream, proxy.WithListenAddr(*listen), proxy.WithLogger(logger))
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(context.Background(), proxyStartTimeout)
	defer cancel()
	if err := p.Start(startCtx); err != nil {
		return err
	}

	ready := serveReady{NameSrv: p.NameServerAddr(), Brokers: []serveBroker{}}
	for _, b := range p.Brokers() {
		ready.Brokers = append(ready.Brokers, serveBroker{Name: b.Name, Addr: b.Addr})
	}
	adminSrv.serve(p.AdminHandler(), logger, nil)
	ready.Admin = adminSrv.URL("")
	line, err := json.Marshal(ready)
	if err != nil {
		_ = p.Close()
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		_ = p.Close()
		return err
	}
	logger.Info("proxy ready", "namesrv", ready.NameSrv, "upstream", *upstream, "brokers", len(ready.Brokers), "admin", ready.Admin)

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("stopping")
	case serveErr = <-adminSrv.Done():
		serveErr = fmt.Errorf("admin API: %w", serveErr)
	}
	stopCtx, cancelStop := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancelStop()
	var errs []error
	errs = append(errs, adminSrv.Shutdown(stopCtx))
	errs = append(errs, p.Shutdown(stopCtx))
	if err := errors.Join(errs...); err != nil {
		logger.Warn("unclean stop", "err", err)
	}
	return serveErr
}
