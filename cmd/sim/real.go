package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rocketsim/rocketsim/realrmq"
)

// runReal starts real RocketMQ servers (JVMs from Maven Central jars) and keeps them up until
// interrupted, printing the same ready line as "sim serve" so that tools can swap one for the
// other.
func runReal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("real", "[-brokers N] [-version V] [-cluster NAME] [-auto-create=true] [-acl plain_acl.yml] [-logs DIR] [-log-level LEVEL]", stdout)
	brokers := fs.Int("brokers", defaultBrokers, brokersUsage)
	version := fs.String("version", realrmq.DefaultVersion, "RocketMQ version from Maven Central")
	cluster := fs.String("cluster", realrmq.DefaultCluster, "brokerClusterName of the brokers")
	autoCreate := fs.Bool("auto-create", true, "autoCreateTopicEnable on the brokers")
	aclFile := fs.String("acl", "", "plain_acl.yml: the brokers run with aclEnable=true and this file")
	logs := fs.String("logs", "", "folder for the servers' logs (default: a temporary folder, removed at exit)")
	logLevel := addLogLevelFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *brokers < 1 {
		return usagef("-brokers must be at least 1")
	}
	logger, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	opts := []realrmq.Option{
		realrmq.WithBrokers(*brokers), realrmq.WithVersion(*version),
		realrmq.WithCluster(*cluster), realrmq.WithAutoCreateTopic(*autoCreate),
	}
	if *logs != "" {
		opts = append(opts, realrmq.WithLogDir(*logs))
	}
	if *aclFile != "" {
		// Checked here as the broker will load it, so a bad file is a usage error, not a JVM
		// that fails to start.
		data, _, admin, err := readACL(*aclFile)
		if err != nil {
			return usagef("-acl: %v", err)
		}
		opts = append(opts, realrmq.WithACL(data, admin))
	}
	logger.Info("starting real RocketMQ", "version", *version, "brokers", *brokers)
	c, err := realrmq.New(opts...)
	if err != nil {
		return err
	}
	if err := c.Start(ctx); err != nil {
		return err
	}
	defer func() {
		if err := c.Close(); err != nil {
			logger.Warn("unclean stop", "err", err)
		}
	}()
	ready := serveReady{NameSrv: c.NameServerAddr()}
	for _, b := range c.Brokers() {
		ready.Brokers = append(ready.Brokers, serveBroker{Name: b.Name, Addr: b.Addr})
	}
	line, err := json.Marshal(ready)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}
	logger.Info("real RocketMQ ready", "namesrv", ready.NameSrv, "logs", c.LogDir())
	if err := c.Wait(ctx); err != nil {
		return err
	}
	logger.Info("stopping")
	return nil
}
