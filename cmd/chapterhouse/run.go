package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

// env is what a subcommand may touch of the outside world. Subcommands read
// the environment only through getenv and write only to stdout and stderr,
// so tests run them in-process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand: a one-line summary for help and the function
// that runs it with the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// usageError marks an error in how the command was called; run prints it
// with the usage hint and exits 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"serve the API and web front end (needs DATABASE_URL and an OpenID provider)", runServe},
		"migrate":   {"migrate the database schema: up, down N, status (DATABASE_URL)", runMigrate},
		"init":      {"found the organization on a new database: its national body and first national admin (DATABASE_URL)", runInit},
		"dev":       {"run everything on this machine with no set-up: database, demo data, login, server", runDev},
		"audit":     {"audit verify: check the audit log's hash chain", runAudit},
		"tally":     {"count a ballot file (BLT, RCTab config, Debian tally sheet) with any method", runTally},
		"apportion": {"apportion seats among units from a name,population CSV", runApportion},
	}
}

// run executes one subcommand and returns the process exit status: 0 on
// success, 1 when the command failed, 2 when it was called wrongly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "chapterhouse: unknown command %q\n", args[0])
		printHelp(stderr, cmds)
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "chapterhouse %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "chapterhouse %s: %v\n", args[0], err)
		return 1
	}
}

func printHelp(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: chapterhouse COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for name := range cmds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, cmds[name].summary)
	}
	fmt.Fprintln(w, "\nenvironment (serve, dev, migrate, init, audit):")
	for _, v := range envVars {
		fmt.Fprintf(w, "  %s\n      %s\n", v[0], v[1])
	}
	fmt.Fprintln(w, "\nRun 'chapterhouse COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its usage to stderr.
func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("chapterhouse "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}
