package testagent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Modes of berth-testagent.
const (
	ModeInbound  = "inbound"
	ModeSSH      = "ssh"
	ModeAgentJar = "agentjar"
)

// ModeEnv is the environment variable that selects the mode when the first argument
// does not.
const ModeEnv = "BERTH_TESTAGENT_MODE"

// Main runs berth-testagent with args (without the program name) and the environment
// getenv until ctx is done, and returns the exit status. Logs go to stderr as text.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil)).With("component", "testagent")
	mode, args := selectMode(args, getenv)
	logger = logger.With("mode", mode)
	if mode != ModeAgentJar && slices.Contains(args, "-version") {
		_, _ = fmt.Fprintln(stdout, Version())
		return ExitOK
	}
	err := run(ctx, mode, args, getenv, logger)
	if err != nil {
		logger.Error("berth-testagent stopped", "err", err, "exit", ExitCode(err))
	}
	return ExitCode(err)
}

// selectMode takes the mode from the first argument, else from ModeEnv, else infers it:
// ssh when an authorized key is given, inbound otherwise.
func selectMode(args []string, getenv func(string) string) (string, []string) {
	if len(args) > 0 {
		switch args[0] {
		case ModeInbound, ModeSSH, ModeAgentJar:
			return args[0], args[1:]
		}
	}
	if m := getenv(ModeEnv); m != "" {
		return m, args
	}
	if getenv("JENKINS_AGENT_SSH_PUBKEY") != "" || (len(args) > 0 && looksLikePublicKey(args[0])) {
		return ModeSSH, args
	}
	return ModeInbound, args
}

func run(ctx context.Context, mode string, args []string, getenv func(string) string, logger *slog.Logger) error {
	switch mode {
	case ModeInbound:
		cfg, err := ParseInbound(args, getenv)
		if err != nil {
			return err
		}
		return RunInbound(ctx, cfg, logger)
	case ModeSSH:
		return runSSH(ctx, args, getenv, logger)
	case ModeAgentJar:
		return ExecAgentJar(args, logger)
	}
	return usageError(fmt.Errorf("unknown mode %q (from %s): want %s, %s or %s", mode, ModeEnv, ModeInbound, ModeSSH, ModeAgentJar))
}

func runSSH(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := ParseSSH(args, getenv)
	if err != nil {
		return err
	}
	hostKey, generated, err := LoadHostKey(cfg.HostKeyPath)
	if err != nil {
		return err
	}
	if generated {
		logger.Info("host key file absent, generated a key", "path", cfg.HostKeyPath,
			"public_key", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostKey.PublicKey()))))
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	logger.Info("ssh listening", "addr", ln.Addr().String(), "host_key", ssh.FingerprintSHA256(hostKey.PublicKey()))
	return ServeSSH(ctx, cfg, hostKey, ln, logger)
}
