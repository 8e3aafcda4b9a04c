package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// cmdMatch prints the templates, in config order, whose agents could run a
// build waiting for a label expression. The first one listed is the one
// berth starts. Exit 1: none would; exit 2: the expression does not parse.
func cmdMatch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", defaultConfig, "config file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: berth match --config FILE EXPR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	src := fs.Arg(0)
	expr, err := label.Parse(src)
	if err != nil {
		var pe *label.ParseError
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "berth match: %v\n  %s\n  %s^\n", err, pe.Input, strings.Repeat(" ", pe.Pos))
		} else {
			fmt.Fprintf(stderr, "berth match: %v\n", err)
		}
		return 2
	}
	// match never talks to Jenkins: it needs no token.
	cfg, err := config.LoadWithoutCredentials(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "berth match: %v\n", err)
		return 2
	}
	n := 0
	for _, t := range cfg.Templates {
		if !label.CanServe(expr, label.NewSet(t.Labels...), t.Exclusive) {
			continue
		}
		n++
		mark := ""
		if n == 1 {
			mark = "  (berth starts this one)"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s%s\n", t.Name, strings.Join(t.Labels, " "), capText(t.InstanceCap), mark)
	}
	if n == 0 {
		what := "a build with no label"
		if expr != nil {
			what = fmt.Sprintf("label %q", expr.String())
		}
		fmt.Fprintf(stderr, "berth match: no template serves %s\n", what)
		return 1
	}
	return 0
}

func capText(c int) string {
	if c == config.NoLimit {
		return "instanceCap: none"
	}
	return fmt.Sprintf("instanceCap: %d", c)
}
