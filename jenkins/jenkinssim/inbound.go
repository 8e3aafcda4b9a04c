package jenkinssim

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// Inbound agents: the jenkins-agent.jnlp file that carries the secret, and the /wsagents/
// WebSocket endpoint (jenkins.agents.WebSocketAgents) an agent.jar started with -webSocket
// connects to. After the upgrade the simulator does not speak the remoting channel protocol: it
// keeps the connection open and answers pings, and the node is online while it lives.

const (
	channelWebSocket = "websocket"
	channelSSH       = "ssh"

	// remotingMinimumVersion is core's remoting.minimum.supported.version.
	remotingMinimumVersion = "3176.v207ec082a_8c0"
)

// serveJNLP is SlaveComputer.doJenkinsAgentJnlp rendering jenkins-agent.jnlp.jelly. Only
// inbound agents have one in the simulator.
func (s *Sim) serveJNLP(w http.ResponseWriter, r *http.Request, a *authn, name string) {
	s.mu.Lock()
	n := s.computerNodeLocked(name)
	var l *InboundLauncher
	if n != nil && !n.builtIn {
		l, _ = n.launcher.(*InboundLauncher)
	}
	var body string
	if l != nil {
		body = s.jnlpFile(n, l)
	}
	s.mu.Unlock()
	if l == nil {
		s.notFound(w, a)
		return
	}
	h := w.Header()
	s.advertise(h)
	h.Set("Content-Type", "application/x-java-jnlp-file")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}

// jnlpFile renders the JNLP file: the secret and the node name first, then the options.
func (s *Sim) jnlpFile(n *node, l *InboundLauncher) string {
	args := []string{s.InboundSecret(n.name), n.name}
	if l.WebSocket {
		args = append(args, "-webSocket")
	}
	if l.Tunnel != "" {
		args = append(args, "-tunnel", l.Tunnel)
	}
	if !l.WorkDirDisabled {
		dir := l.WorkDirPath
		if dir == "" {
			dir = n.remoteFS // useAgentRootDir
		}
		internal := l.InternalDir
		if internal == "" {
			internal = "remoting"
		}
		args = append(args, "-workDir", dir, "-internalDir", internal)
		if l.FailIfWorkDirIsMissing {
			args = append(args, "-failIfWorkDirIsMissing")
		}
	}
	args = append(args, "-url", s.URL())
	var b strings.Builder
	b.WriteString("<jnlp><application-desc>")
	for _, arg := range args {
		b.WriteString("<argument>")
		_ = xml.EscapeText(&b, []byte(arg))
		b.WriteString("</argument>")
	}
	b.WriteString("</application-desc></jnlp>")
	return b.String()
}

// handleWSAgents is WebSocketAgents.doIndex followed by DefaultJnlpSlaveReceiver's checks.
func (s *Sim) handleWSAgents(w http.ResponseWriter, r *http.Request) {
	agent := r.Header.Values("Node-Name")
	secret := r.Header.Values("Secret-Key")
	capability := r.Header.Values("X-Remoting-Capability")
	if len(agent) == 0 || len(secret) == 0 || len(capability) == 0 {
		s.containerError(w, r, http.StatusBadRequest, "This endpoint is only for use from agent.jar in WebSocket mode")
		return
	}
	name := agent[0]
	s.mu.Lock()
	n := s.nodes[name]
	if n != nil && n.comp == nil {
		n = nil // JnlpAgentReceiver.exists: there must be a computer
	}
	s.mu.Unlock()
	if n == nil {
		s.log.Warn("no such agent", "node", name)
		s.containerError(w, r, http.StatusBadRequest, "no such agent")
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret[0]), []byte(s.InboundSecret(name))) != 1 {
		s.log.Warn("incorrect secret", "node", name)
		w.WriteHeader(http.StatusForbidden) // HttpResponses.forbidden(): no body
		return
	}
	cookie := ""
	if c := r.Header.Get("Connection-Cookie"); c != "" {
		raw, err := hex.DecodeString(c)
		if err != nil {
			s.oops(w, http.StatusInternalServerError) // Util.fromHexString on a malformed cookie
			return
		}
		cookie = hex.EncodeToString(raw)
	} else {
		cookie = hex.EncodeToString(randomBytes(32))
	}
	s.mu.Lock()
	reject, replaced := s.admitLocked(n, cookie)
	s.mu.Unlock()
	if reject != "" {
		s.log.Warn("agent connection refused", "node", name, "reason", reject)
		s.containerError(w, r, http.StatusBadRequest, reject)
		return
	}
	if replaced != nil {
		replaced()
	}

	h := w.Header()
	// The controller's capability is announced in the same format as the agent's; the
	// simulator returns the agent's own, which agent.jar parses like Jenkins' own.
	h.Set("X-Remoting-Capability", capability[0])
	h.Set("X-Remoting-Minimum-Version", remotingMinimumVersion)
	h.Set("Connection-Cookie", cookie)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Info("WebSocket upgrade failed", "node", name, "err", err)
		return
	}
	conn.SetReadLimit(-1)

	ctx, cancel := context.WithCancel(s.ctx)
	ch := &channel{kind: channelWebSocket, cookie: cookie, since: s.now(), close: cancel}
	s.mu.Lock()
	ok := !s.closed && s.nodes[name] == n && n.comp.ch == nil
	if ok {
		s.bg.Add(1) // under s.mu: Close sets closed under it before it waits
		s.setChannelLocked(n, ch)
	}
	s.mu.Unlock()
	if !ok {
		cancel()
		_ = conn.Close(websocket.StatusPolicyViolation, "agent connection refused")
		return
	}
	defer s.bg.Done()
	if s.isDown() {
		cancel() // the front door closed during the upgrade
	}
	s.serveAgentConn(ctx, conn)
	cancel()
	s.channelClosed(n, ch)
}

// admitLocked is DefaultJnlpSlaveReceiver.afterProperties: it refuses an agent that is not
// inbound or already connected, unless the connection cookie shows it is the same agent
// reconnecting, whose old connection is then closed (the returned function).
func (s *Sim) admitLocked(n *node, cookie string) (string, func()) {
	if !n.inbound() {
		return n.name + " is not an inbound agent", nil
	}
	c := n.comp
	if c.ch == nil {
		return "", nil
	}
	if c.ch.cookie != "" && subtle.ConstantTimeCompare([]byte(cookie), []byte(c.ch.cookie)) == 1 {
		old := c.ch
		c.ch = nil
		c.offlineCause = nil
		return "", old.close
	}
	return n.name + " is already connected to this controller. Rejecting this connection.", nil
}

// serveAgentConn keeps an agent's WebSocket open, reading and discarding what it sends (pings
// are answered while reading), until the agent closes it or ctx is cancelled (node deleted,
// front door closed, simulator closed), in which case the simulator closes it normally.
func (s *Sim) serveAgentConn(ctx context.Context, conn *websocket.Conn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, rd, err := conn.Reader(context.Background())
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
		}
	}()
	select {
	case <-done:
		_ = conn.CloseNow()
	case <-ctx.Done():
		_ = conn.Close(websocket.StatusNormalClosure, "")
		_ = conn.CloseNow()
		<-done
	}
}
