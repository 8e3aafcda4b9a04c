package testagent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshakeTimeout bounds an SSH handshake, so that a silent client cannot hold a
// connection open.
const handshakeTimeout = 30 * time.Second

// ServeSSH serves SSH on ln until ctx is done, then closes ln and every connection and
// returns nil. It accepts only cfg.AuthorizedKey, for any user name.
func ServeSSH(ctx context.Context, cfg SSHConfig, hostKey ssh.Signer, ln net.Listener, logger *slog.Logger) error {
	sc := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(key.Marshal(), cfg.AuthorizedKey.Marshal()) {
				return &ssh.Permissions{}, nil
			}
			return nil, fmt.Errorf("%s key %s of user %q is not authorized", key.Type(), ssh.FingerprintSHA256(key), meta.User())
		},
		ServerVersion: "SSH-2.0-berth-testagent",
	}
	sc.AddHostKey(hostKey)

	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("accept on %s: listener closed: %w", ln.Addr(), err)
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		wg.Go(func() { serveConn(ctx, c, sc, logger.With("remote", c.RemoteAddr().String())) })
	}
}

// serveConn runs one SSH connection until it ends or ctx is done.
func serveConn(ctx context.Context, c net.Conn, sc *ssh.ServerConfig, logger *slog.Logger) {
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	defer func() { _ = c.Close() }()

	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(c, sc)
	if err != nil {
		logger.Warn("ssh handshake failed", "err", err)
		return
	}
	_ = c.SetDeadline(time.Time{})
	logger = logger.With("user", sconn.User())
	logger.Info("ssh login accepted")
	go ssh.DiscardRequests(reqs)

	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels are supported")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			logger.Warn("accept ssh session", "err", err)
			continue
		}
		wg.Go(func() { serveSession(ch, chReqs, logger) })
	}
	logger.Info("ssh connection closed")
}
