package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// securityFlags are serve's TLS and limit flags.
type securityFlags struct {
	tls          *bool
	tlsCert      *string
	tlsKey       *string
	tlsMode      *string
	maxConns     *int
	maxInflight  *int
	maxFrame     *int
	maxHeader    *int
	maxUnwritten *int
	idleTimeout  *time.Duration
	frameTimeout *time.Duration
}

func addSecurityFlags(fs *flag.FlagSet) securityFlags {
	return securityFlags{
		tls:     fs.Bool("tls", false, "serve TLS on the name server and brokers (a self-signed certificate unless -tls-cert and -tls-key)"),
		tlsCert: fs.String("tls-cert", "", "PEM certificate (chain) of the servers; implies -tls"),
		tlsKey:  fs.String("tls-key", "", "PEM private key of -tls-cert"),
		tlsMode: fs.String("tls-mode", "", "Java's tls.server.mode: permissive (plain and TLS on one port, the default with -tls) or enforcing (TLS only); implies -tls"),
		maxConns: fs.Int("max-conns", remoting.DefaultMaxConnections,
			"connections each server keeps open at once; more are closed and counted (0: no limit)"),
		maxInflight: fs.Int("max-inflight", remoting.DefaultMaxInflightRequests,
			"requests of one connection queued or served at once; more are answered SYSTEM_BUSY and counted (0: no limit)"),
		maxFrame:  fs.Int("max-frame", remoting.DefaultMaxFrameSize, "largest frame in bytes; a bigger one closes its connection (frameMaxLength)"),
		maxHeader: fs.Int("max-header", remoting.DefaultMaxHeaderSize, "largest frame header in bytes; a bigger one closes its connection"),
		maxUnwritten: fs.Int("max-unwritten", remoting.DefaultMaxUnwrittenBytes,
			"bytes of answers waiting unsent to one peer before its requests stop being read, until half are sent (0: no limit)"),
		idleTimeout:  fs.Duration("idle-timeout", remoting.DefaultIdleTimeout, "close connections idle this long (serverChannelMaxIdleTimeSeconds; 0: never)"),
		frameTimeout: fs.Duration("frame-timeout", remoting.DefaultFrameReadTimeout, "close a connection whose frame or TLS handshake takes longer than this from its first byte (0: no limit)"),
	}
}

// options turns the flags into the cluster's options.
func (f securityFlags) options() ([]fakecluster.Option, error) {
	if *f.maxConns < 0 || *f.maxInflight < 0 || *f.maxFrame < 0 || *f.maxHeader < 0 || *f.maxUnwritten < 0 || *f.idleTimeout < 0 || *f.frameTimeout < 0 {
		return nil, errors.New("-max-conns, -max-inflight, -max-frame, -max-header, -max-unwritten, -idle-timeout and -frame-timeout cannot be negative")
	}
	opts := []fakecluster.Option{fakecluster.WithServerOptions(
		remoting.WithMaxConnections(*f.maxConns),
		remoting.WithMaxInflightRequests(*f.maxInflight),
		remoting.WithMaxFrameSize(*f.maxFrame),
		remoting.WithMaxHeaderSize(*f.maxHeader),
		remoting.WithMaxUnwrittenBytes(*f.maxUnwritten),
		remoting.WithIdleTimeout(*f.idleTimeout),
		remoting.WithFrameReadTimeout(*f.frameTimeout),
	)}
	if !*f.tls && *f.tlsCert == "" && *f.tlsKey == "" && *f.tlsMode == "" {
		return opts, nil
	}
	mode := remoting.TLSPermissive
	if *f.tlsMode != "" {
		m, err := remoting.ParseTLSMode(*f.tlsMode)
		if err != nil || m == remoting.TLSDisabled {
			return nil, fmt.Errorf("-tls-mode %q: want permissive or enforcing", *f.tlsMode)
		}
		mode = m
	}
	var cfg *tls.Config
	if *f.tlsCert != "" || *f.tlsKey != "" {
		if *f.tlsCert == "" || *f.tlsKey == "" {
			return nil, errors.New("-tls-cert and -tls-key go together")
		}
		cert, err := tls.LoadX509KeyPair(*f.tlsCert, *f.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("-tls-cert/-tls-key: %w", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	return append(opts, fakecluster.WithTLS(cfg, mode)), nil
}
