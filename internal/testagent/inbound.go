package testagent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/coder/websocket"
)

// Request headers of the remoting WebSocket handshake (JnlpConnectionState in remoting).
const (
	NodeNameHeader  = "Node-Name"
	SecretKeyHeader = "Secret-Key"
)

// dialTimeout bounds one WebSocket handshake.
const dialTimeout = 30 * time.Second

// RunInbound connects to the controller as agent cfg.Name over WebSocket and stays
// connected until ctx is done (then it closes the connection cleanly and returns nil).
// A refused secret (HTTP 403) ends it with an ExitError of code ExitFailure, an unknown
// agent (HTTP 400 or 404) with ExitNoSuchAgent. Other failures, and a connection that
// drops, are retried up to cfg.Retries times in a row with a doubling back-off; a
// connection that was established resets that count.
func RunInbound(ctx context.Context, cfg InboundConfig, logger *slog.Logger) error {
	logger = logger.With("node", cfg.Name)
	wsURL := cfg.URL + "wsagents/"
	var cookie string
	failures := 0
	backoff := cfg.Backoff
	for {
		connected, err := connectOnce(ctx, cfg, wsURL, &cookie, logger)
		if ctx.Err() != nil {
			return nil
		}
		var exit *ExitError
		if errors.As(err, &exit) {
			return err
		}
		if connected {
			if cfg.NoReconnect {
				return &ExitError{Code: ExitFailure, Err: fmt.Errorf("agent %q: %w (-noReconnect given)", cfg.Name, err)}
			}
			failures, backoff = 0, cfg.Backoff
		}
		failures++
		if failures > cfg.Retries {
			return &ExitError{Code: ExitFailure, Err: fmt.Errorf("agent %q: giving up after %d attempts: %w", cfg.Name, failures, err)}
		}
		logger.Warn("connection failed, retrying", "url", wsURL, "retry", failures, "of", cfg.Retries, "wait", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, cfg.MaxBackoff)
	}
}

// connectOnce makes one connection and holds it until it drops or ctx is done. connected
// reports whether the handshake succeeded. The cookie the controller returns is kept in
// *cookie for the next attempt.
func connectOnce(ctx context.Context, cfg InboundConfig, wsURL string, cookie *string, logger *slog.Logger) (connected bool, err error) {
	header := http.Header{}
	header.Set(NodeNameHeader, cfg.Name)
	header.Set(SecretKeyHeader, cfg.Secret)
	header.Set(CapabilityHeader, CapabilityValue(AgentCapabilityMask))
	if *cookie != "" {
		header.Set(ConnectionCookieHeader, *cookie)
	}
	dialCtx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, resp, err := websocket.Dial(dialCtx, wsURL, &websocket.DialOptions{HTTPHeader: header})
	cancel()
	if err != nil {
		if resp == nil {
			return false, fmt.Errorf("connect to %s: %w", wsURL, err)
		}
		return false, handshakeError(cfg.Name, wsURL, resp)
	}
	*cookie = resp.Header.Get(ConnectionCookieHeader)
	conn.SetReadLimit(-1)
	logger.Info("connected to controller", "url", wsURL, "remote_capability", resp.Header.Get(CapabilityHeader) != "")

	done := make(chan error, 1)
	go func() { done <- drain(context.WithoutCancel(ctx), conn) }()
	select {
	case err := <-done:
		_ = conn.CloseNow()
		return true, fmt.Errorf("connection to %s lost: %w", wsURL, err)
	case <-ctx.Done():
		_ = conn.Close(websocket.StatusGoingAway, "agent stopping")
		<-done
		logger.Info("disconnected", "url", wsURL, "reason", "stopping")
		return true, nil
	}
}

// drain reads and discards messages until the connection fails. Reading is what makes
// the connection answer pings.
func drain(ctx context.Context, conn *websocket.Conn) error {
	for {
		_, r, err := conn.Reader(ctx)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	}
}

// handshakeError classifies a refused handshake. The message names the node and the URL,
// never the secret.
func handshakeError(name, wsURL string, resp *http.Response) error {
	detail := responseDetail(resp)
	switch resp.StatusCode {
	case http.StatusForbidden:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("controller at %s refused agent %q: wrong secret (HTTP 403)%s", wsURL, name, detail)}
	case http.StatusBadRequest, http.StatusNotFound:
		return &ExitError{Code: ExitNoSuchAgent, Err: fmt.Errorf("controller at %s does not accept agent %q, no such agent (HTTP %d)%s", wsURL, name, resp.StatusCode, detail)}
	}
	return fmt.Errorf("connect to %s: HTTP %d%s", wsURL, resp.StatusCode, detail)
}

// responseDetail returns ": BODY" when the response body is one short line of text (such
// as Jenkins' "no such agent"), and "" otherwise.
func responseDetail(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 200))
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if s == "" || len(s) > 120 || strings.ContainsFunc(s, func(r rune) bool { return r == '<' || !unicode.IsPrint(r) }) {
		return ""
	}
	return ": " + s
}
