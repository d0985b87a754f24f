// Command sim runs rocketsim from the command line:
//
//	sim serve   a standalone fake RocketMQ cluster (name server + brokers) and its admin API,
//	            for tests written in any language
//	sim load    load runs against a fake or real cluster, with fault plans and accounting
//	sim proxy   a proxy in front of any cluster, real or fake, with the fakes' fault rules,
//	            request history and admin API
//	sim real    real RocketMQ servers (JVMs from Maven Central jars), with the same ready line
//	sim version the module version and the Go version it was built with
//
// Run "sim <command> -h" for a command's flags. A command line that cannot be parsed gets one
// line on stderr naming the problem and pointing at that help, and exit status 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
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
	{"version", "print the version of sim and of the Go it was built with", runVersion},
}

// errUsage reports a command line that could not be parsed. Commands return it wrapped in a
// usageError, which says why; run prints that one line and the pointer to the command's -h.
var errUsage = errors.New("usage")

// usageError is a command line that could not be parsed, and why, in one line.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usageError: the command stops with exit status 2 and this one line, not the
// whole usage, which a user who made a typo does not need to scroll past.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process's exit code: 0 on success (including
// a stop by signal), 2 for a bad command line, 1 for anything else.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		// "sim help serve" is "sim serve -h", as with go help.
		if args[0] == "help" && len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	case "-version", "--version":
		args = []string{"version"}
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
			fmt.Fprintf(stderr, "sim %s: %v (see `sim %s -h`)\n", c.name, err, c.name)
			return 2
		default:
			fmt.Fprintf(stderr, "sim %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "sim: unknown command %q (see `sim -h`)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sim <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"sim <command> -h\" (or \"sim help <command>\") for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting. It prints nothing
// itself: parseFlags prints the usage, to stdout, when asked for it with -h, and a bad command
// line becomes a usageError.
func newFlagSet(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sim "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "usage: sim %s %s\n\n", name, synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args: flag.ErrHelp after printing the usage for -h, a usageError for a bad
// command line.
func parseFlags(fs *flag.FlagSet, args []string) error {
	// The flag package calls Usage on every error too; only -h gets it.
	printUsage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = printUsage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	return nil
}

// runVersion is "sim version": the module's version as the go command stamped it (a tag for
// go install ...@v1.2.3, a pseudo-version or "(devel)" for a build in the repository, then with
// the commit and whether the tree was modified) and the Go version.
func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("version", "", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, versionLine())
	return err
}

func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "sim (no build information) " + runtime.Version()
	}
	v := bi.Main.Version
	if v == "" {
		v = "(unknown)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	line := fmt.Sprintf("sim %s %s", bi.Main.Path, v)
	if rev != "" {
		line += " commit " + rev[:min(12, len(rev))]
		if modified == "true" {
			line += " (modified)"
		}
	}
	return line + " " + bi.GoVersion
}

// defaultBrokers is the number of brokers of every command that starts a cluster (serve, real,
// and load's in-process cluster): the smallest cluster, as RocketMQ's quick start runs. A plan
// of load runs names its own.
const defaultBrokers = 1

const brokersUsage = "number of brokers (broker-a, broker-b, ...)"

// addLogLevelFlag is -log-level, the same on every command that logs.
func addLogLevelFlag(fs *flag.FlagSet) *string {
	return fs.String("log-level", "info", "log level on stderr: debug, info, warn or error")
}

// newLogger is the text logger on stderr at -log-level; a level slog does not know is a usage
// error.
func newLogger(stderr io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("-log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l})), nil
}
