package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
)

// checkTimeout bounds each network check.
const checkTimeout = 15 * time.Second

// checker prints one line per check and remembers whether any failed.
type checker struct {
	out    io.Writer
	failed int
}

func (c *checker) pass(what, detail string) { fmt.Fprintf(c.out, "PASS  %s: %s\n", what, detail) }
func (c *checker) warn(what, detail string) { fmt.Fprintf(c.out, "WARN  %s: %s\n", what, detail) }
func (c *checker) fail(what string, err error) {
	c.failed++
	fmt.Fprintf(c.out, "FAIL  %s: %v\n", what, err)
}

// cmdCheck validates the config, then reaches Jenkins and every Docker host,
// one line per check. Exit 1 if any check fails.
func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", defaultConfig, "config file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := &checker{out: stdout}
	cfg, err := config.Load(*cfgPath, lookupEnv)
	if err != nil {
		c.fail("config "+*cfgPath, err)
		return 1
	}
	c.pass("config "+cfg.Source, fmt.Sprintf("%d template(s), %d docker host(s), instance %q", len(cfg.Templates), len(cfg.DockerHosts), cfg.Instance))
	for _, w := range cfg.Warnings() {
		c.warn("config", w)
	}
	log := slog.New(slog.DiscardHandler)

	checkJenkins(ctx, c, cfg, log)
	checkDocker(ctx, c, cfg, log)
	if c.failed > 0 {
		fmt.Fprintf(stdout, "%d check(s) failed\n", c.failed)
		return 1
	}
	fmt.Fprintln(stdout, "all checks passed")
	return 0
}

func checkJenkins(ctx context.Context, c *checker, cfg *config.Config, log *slog.Logger) {
	what := "jenkins " + cfg.Jenkins.URL
	j, err := newJenkins(cfg, log)
	if err != nil {
		c.fail(what, err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	id, err := j.Whoami(ctx)
	switch {
	case err != nil:
		c.fail(what, err)
		return
	case id.Anonymous:
		c.fail(what, errors.New("the credentials are not taken: Jenkins sees an anonymous user"))
		return
	}
	ver := id.Version
	if ver == "" {
		ver = "unknown version"
	}
	c.pass(what, fmt.Sprintf("authenticated as %q (Jenkins %s)", id.Name, ver))
	if nodes, err := j.Nodes(ctx); err != nil {
		c.fail("jenkins nodes", err)
	} else {
		c.pass("jenkins nodes", fmt.Sprintf("%d node(s) readable in one request", len(nodes)))
	}
	if items, err := j.Queue(ctx); err != nil {
		c.fail("jenkins queue", err)
	} else {
		c.pass("jenkins queue", fmt.Sprintf("%d item(s) readable in one request", len(items)))
	}
}

func checkDocker(ctx context.Context, c *checker, cfg *config.Config, log *slog.Logger) {
	hosts, err := dialHosts(ctx, cfg, log)
	if err != nil {
		c.fail("docker hosts", err)
		return
	}
	defer closeHosts(hosts)
	for _, hc := range cfg.DockerHosts {
		h := hosts[hc.Name]
		what := fmt.Sprintf("docker host %s (%s)", hc.Name, hc.Host)
		pctx, cancel := context.WithTimeout(ctx, checkTimeout)
		info, err := h.Ping(pctx)
		cancel()
		if err != nil {
			c.fail(what, err)
			continue
		}
		c.pass(what, fmt.Sprintf("engine %s, API %s", info.ServerVersion, info.APIVersion))
		lctx, cancel := context.WithTimeout(ctx, checkTimeout)
		ctrs, err := h.List(lctx, cfg.Instance)
		cancel()
		if err != nil {
			c.fail(what+" containers", err)
		} else {
			c.pass(what+" containers", fmt.Sprintf("%d berth container(s) of instance %q", len(ctrs), cfg.Instance))
		}
		for _, t := range cfg.Templates {
			if len(t.Hosts) > 0 && !slices.Contains(t.Hosts, hc.Name) {
				continue
			}
			checkImage(ctx, c, h, hc.Name, t)
		}
	}
}

// checkImage tells whether a template's image is on the host, without
// pulling it.
func checkImage(ctx context.Context, c *checker, h *dockerapi.Host, host string, t config.Template) {
	what := fmt.Sprintf("docker host %s image %s (template %s)", host, t.Image, t.Name)
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	err := h.EnsureImage(ctx, t.Image, dockerapi.PullNever)
	switch {
	case err == nil:
		c.pass(what, "present")
	case errors.Is(err, dockerapi.ErrImageUnavailable) && t.Pull != config.PullNever:
		c.warn(what, fmt.Sprintf("not present yet; pulled on first use (pull: %s)", t.Pull))
	default:
		c.fail(what, err)
	}
}
