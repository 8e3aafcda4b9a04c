package jenkinssim_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// The /wsagents/ handshake as jenkins.agents.WebSocketAgents and DefaultJnlpSlaveReceiver answer
// it, with a plain Go WebSocket client.
func TestWebSocketAgentHandshake(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "in1", "linux", jenkinssim.Normal)
	if err := s.CreateNode(jenkinssim.NodeSpec{Name: "ssh1", NumExecutors: 1, Launcher: &jenkinssim.SSHLauncher{Host: "127.0.0.1", Port: 1, CredentialsID: "none"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateNode(jenkinssim.NodeSpec{Name: "zero", NumExecutors: 0, Launcher: &jenkinssim.InboundLauncher{WebSocket: true}}); err != nil {
		t.Fatal(err)
	}

	refused := []struct {
		name    string
		headers http.Header
		status  int
		text    string
	}{
		{"missing headers", http.Header{"Node-Name": {"in1"}}, 400, "This endpoint is only for use from agent.jar in WebSocket mode"},
		{"unknown node", agentHeaders("nope", s.InboundSecret("nope")), 400, "no such agent"},
		{"node without executors has no computer", agentHeaders("zero", s.InboundSecret("zero")), 400, "no such agent"},
		{"wrong secret", agentHeaders("in1", s.InboundSecret("in2")), 403, ""},
		{"not an inbound agent", agentHeaders("ssh1", s.InboundSecret("ssh1")), 400, "ssh1 is not an inbound agent"},
	}
	for _, tt := range refused {
		a, resp := dialAgent(t, s, tt.headers)
		if a != nil {
			t.Fatalf("%s: the upgrade was accepted", tt.name)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.text) {
			t.Errorf("%s: %d %q, want %d with %q", tt.name, resp.StatusCode, body, tt.status, tt.text)
		}
	}
	if v, _ := s.Node("in1"); v.Connected {
		t.Fatalf("in1 connected after refused handshakes")
	}

	a := connectAgent(t, s, "in1")
	cookie := a.resp.Header.Get("Connection-Cookie")
	if len(cookie) != 64 || a.resp.Header.Get("X-Remoting-Minimum-Version") == "" || a.resp.Header.Get("X-Remoting-Capability") == "" {
		t.Fatalf("upgrade headers %v", a.resp.Header)
	}
	c := tokenClient(t, s)
	m := c.json("computer/in1/api/json")
	if m["offline"] != false || m["idle"] != true || m["absoluteRemotePath"] != "/home/jenkins/agent" {
		t.Fatalf("connected computer: %v", m)
	}

	// A second agent for the same node is refused...
	if b, resp := dialAgent(t, s, agentHeaders("in1", s.InboundSecret("in1"))); b != nil || resp.StatusCode != 400 {
		t.Fatalf("second connection accepted")
	} else if body, _ := io.ReadAll(resp.Body); !strings.Contains(string(body), "in1 is already connected to this controller. Rejecting this connection.") {
		t.Fatalf("second connection: %q", body)
	}
	// ...unless it presents the connection's cookie (the same agent reconnecting): the old
	// connection is closed and the new one accepted.
	h := agentHeaders("in1", s.InboundSecret("in1"))
	h.Set("Connection-Cookie", cookie)
	b, resp := dialAgent(t, s, h)
	if b == nil {
		t.Fatalf("reconnect with the cookie refused: %d", resp.StatusCode)
	}
	<-a.done
	waitFor(t, s, "in1 online again", nodeIs(s, "in1", online))

	// The agent closing its connection takes the node offline with ChannelTermination.
	b.disconnect(t, s, "in1")
	m = c.json("computer/in1/api/json")
	cause, _ := m["offlineCause"].(map[string]any)
	if m["offline"] != true || cause["_class"] != "hudson.slaves.OfflineCause$ChannelTermination" || m["offlineCauseReason"] != "Connection was broken" {
		t.Fatalf("after disconnect: offline %v cause %v reason %q", m["offline"], cause, m["offlineCauseReason"])
	}

	// Deleting the node closes the agent's connection normally.
	d := connectAgent(t, s, "in1")
	if err := s.DeleteNode("in1"); err != nil {
		t.Fatal(err)
	}
	<-d.done
	if websocket.CloseStatus(d.err) != websocket.StatusNormalClosure {
		t.Fatalf("connection of a deleted node ended with %v", d.err)
	}
}
