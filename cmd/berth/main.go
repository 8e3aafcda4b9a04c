// Command berth gives a Jenkins controller Docker agents on demand.
//
//	berth run     --config F      the daemon
//	berth check   --config F      validate the config, reach Jenkins and every Docker host
//	berth match   --config F EXPR which templates would serve a build waiting for EXPR
//	berth demo                    the Jenkins simulator and berth on the local Docker engine
//	berth version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	// Warm pool schedules may name a time zone (CRON_TZ=Europe/Berlin); the
	// embedded database makes that work on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `berth gives a Jenkins controller Docker agents on demand.

Usage:
  berth run     --config FILE        run the daemon
  berth check   --config FILE        validate the config, then reach Jenkins and every Docker host
  berth match   --config FILE EXPR   list the templates, in order, that would serve label EXPR
  berth demo    [flags]              Jenkins simulator + berth on the local Docker engine
  berth version                      print the version

Run "berth COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "check":
		return cmdCheck(ctx, rest, stdout, stderr)
	case "match":
		return cmdMatch(rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "berth %s\n", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "berth: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}
