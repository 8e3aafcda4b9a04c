package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/provisioner"
)

// shutdownGrace bounds how long berth waits, on SIGTERM, for actions under
// way before it cancels them (drain has its own drainTimeout on top).
const shutdownGrace = 90 * time.Second

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", defaultConfig, "config file")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	lvl, err := parseLevel(*level)
	if err != nil {
		fmt.Fprintf(stderr, "berth run: -log-level: %v\n", err)
		return 2
	}
	log := newLogger(stderr, lvl)

	cfg, err := config.Load(*cfgPath, lookupEnv)
	if err != nil {
		log.Error("config not valid: berth does not start", "err", err)
		return 1
	}
	logWarnings(log, cfg)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	j, err := newJenkins(cfg, log)
	if err != nil {
		log.Error("jenkins client", "err", err)
		return 1
	}
	hosts, err := dialHosts(ctx, cfg, log)
	if err != nil {
		log.Error("docker hosts", "err", err)
		return 1
	}
	var retired []map[string]*dockerapi.Host
	defer func() {
		closeHosts(hosts)
		for _, h := range retired {
			closeHosts(h)
		}
	}()

	d, err := provisioner.New(cfg, j, asDockerHosts(hosts), provisioner.Options{
		Logger: log.With("component", "provisioner"),
		Notify: sdNotify(log),
	})
	if err != nil {
		log.Error("provisioner", "err", err)
		return 1
	}
	log.Info("berth starting", "version", version, "config", cfg.Source, "instance", cfg.Instance, "jenkins", cfg.Jenkins.URL)

	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	for {
		select {
		case <-hup:
			next, err := config.Load(*cfgPath, lookupEnv)
			if err != nil {
				log.Error("config reload failed: keeping the running config", "err", err)
				continue
			}
			logWarnings(log, next)
			nj, err := newJenkins(next, log)
			if err != nil {
				log.Error("config reload failed: keeping the running config", "err", err)
				continue
			}
			nh, err := dialHosts(ctx, next, log)
			if err != nil {
				log.Error("config reload failed: keeping the running config", "err", err)
				continue
			}
			if err := d.Reload(next, nj, asDockerHosts(nh)); err != nil {
				closeHosts(nh)
				log.Error("config reload failed: keeping the running config", "err", err)
				continue
			}
			// The old clients may still serve actions under way; they are
			// closed when berth exits.
			retired = append(retired, hosts)
			hosts = nh
			_, _ = daemon.SdNotify(false, daemon.SdNotifyReady)
		case err := <-done:
			_, _ = daemon.SdNotify(false, daemon.SdNotifyStopping)
			if err != nil {
				log.Error("run loop", "err", err)
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace+d.DrainBudget())
			defer cancel()
			if err := d.Shutdown(sctx); err != nil {
				log.Error("shutdown incomplete", "err", err)
				return 1
			}
			log.Info("berth stopped")
			return 0
		}
	}
}

func logWarnings(log *slog.Logger, cfg *config.Config) {
	for _, w := range cfg.Warnings() {
		log.Warn("config", "warning", w)
	}
}

// sdNotify tells systemd about readiness and liveness when berth runs under
// it (NOTIFY_SOCKET set); otherwise it does nothing.
func sdNotify(log *slog.Logger) func(string) {
	return func(state string) {
		if _, err := daemon.SdNotify(false, state); err != nil {
			log.Debug("sd_notify", "err", err)
		}
	}
}
