// Command sim runs rocketsim from the command line:
//
//	sim serve   a standalone fake RocketMQ cluster (name server + brokers) and its admin API,
//	            for tests written in any language
//	sim load    load runs against a fake or real cluster, with fault plans and accounting
//	sim proxy   a proxy in front of any cluster, real or fake, with the fakes' fault rules,
//	            request history and admin API
//	sim real    real RocketMQ servers (JVMs from Maven Central jars), with the same ready line
//
// Run "sim <command> -h" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: it parses args and runs until ctx ends (SIGINT/SIGTERM).
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"serve", "run a fake cluster (name server, brokers, admin API) until interrupted", runServe},
	{"load", "run producers against a fake or real cluster and account for every message", runLoad},
	{"real", "run real RocketMQ (JVMs from Maven Central) until interrupted", runReal},
	{"proxy", "put a proxy with fault rules and request history in front of any cluster until interrupted", runProxy},
}

// errUsage reports a command line that could not be parsed; the flag package already said why.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process's exit code: 0 on success (including
// a stop by signal), 2 for a bad command line, 1 for anything else.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "sim %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "sim: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sim <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"sim <command> -h\" for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting, writing to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sim %s %s\n\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps flag errors to errUsage (flag.ErrHelp stays as it is).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		fs.Usage()
		return errUsage
	}
	return nil
}
