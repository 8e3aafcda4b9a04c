package jenkinssim_test

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

func createForm(name string, cfg map[string]any) url.Values {
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	return url.Values{"name": {name}, "type": {"hudson.slaves.DumbSlave"}, "json": {string(b)}}
}

func inboundForm(name, labels, mode string) url.Values {
	return createForm(name, map[string]any{
		"name": name, "nodeDescription": "made by a test", "numExecutors": "1",
		"remoteFS": "/home/jenkins/agent", "labelString": labels, "mode": mode,
		"launcher": map[string]any{"$class": "hudson.slaves.JNLPLauncher", "webSocket": true,
			"workDirSettings": map[string]any{"disabled": false, "internalDir": "remoting", "failIfWorkDirIsMissing": false}},
		"retentionStrategy": map[string]any{"$class": "hudson.slaves.RetentionStrategy$Always"},
		"nodeProperties":    map[string]any{"stapler-class-bag": "true"},
	})
}

func TestDoCreateItem(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)

	r := c.post("computer/doCreateItem", inboundForm("berth-linux-7f3a", "linux docker", "EXCLUSIVE"))
	if r.status != http.StatusFound || r.header.Get("Location") != "/computer/" {
		t.Fatalf("create: %d Location %q %.200s", r.status, r.header.Get("Location"), r.body)
	}
	m := c.json("computer/berth-linux-7f3a/api/json")
	labels := map[string]bool{}
	for _, l := range m["assignedLabels"].([]any) {
		labels[l.(map[string]any)["name"].(string)] = true
	}
	if !labels["linux"] || !labels["docker"] || !labels["berth-linux-7f3a"] || len(labels) != 3 {
		t.Errorf("assignedLabels = %v", m["assignedLabels"])
	}
	if m["_class"] != "hudson.slaves.SlaveComputer" || m["jnlpAgent"] != true || m["offline"] != true ||
		m["offlineCause"] != nil || m["offlineCauseReason"] != "" || m["description"] != "made by a test" {
		t.Errorf("new inbound computer = %v", m)
	}
	if v, _ := s.Node("berth-linux-7f3a"); v.Mode != jenkinssim.Exclusive {
		t.Errorf("mode = %q", v.Mode)
	}

	// Jenkins' errors, as Jenkins renders them.
	tests := []struct {
		name   string
		form   url.Values
		status int
		text   string
	}{
		{"duplicate name", inboundForm("berth-linux-7f3a", "", "NORMAL"), 400, "Agent called ‘berth-linux-7f3a’ already exists"},
		{"no name", inboundForm("", "", "NORMAL"), 400, "Query parameter 'name' is required"},
		{"blank name", inboundForm("   ", "", "NORMAL"), 400, "Query parameter 'name' is required"},
		{"unsafe character", inboundForm("a:b", "", "NORMAL"), 400, "‘:’ is an unsafe character"},
		{"trailing dot", inboundForm("a.", "", "NORMAL"), 400, "A name cannot end with ‘.’"},
		{"no json", url.Values{"name": {"x"}, "type": {"hudson.slaves.DumbSlave"}}, 400, "This page expects a form submission"},
		{"json not JSON", url.Values{"name": {"x"}, "type": {"hudson.slaves.DumbSlave"}, "json": {"{"}}, 500, "A problem occurred while processing the request"},
		{"unknown type", createForm("x", map[string]any{"numExecutors": "1"}), 500, "Oops!"},
		{"bad numExecutors", createForm("x", map[string]any{"numExecutors": "many"}), 500, "Oops!"},
		{"bad mode", createForm("x", map[string]any{"numExecutors": "1", "mode": "SOMETIMES"}), 500, "Oops!"},
		{"launcher of a plugin not installed", createForm("x", map[string]any{"numExecutors": "1", "launcher": map[string]any{"$class": "hudson.slaves.CommandLauncher"}}), 500, "Oops!"},
	}
	tests[7].form.Set("type", "hudson.slaves.NoSuchSlave")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post("computer/doCreateItem", tt.form)
			if r.status != tt.status || !strings.Contains(html.UnescapeString(r.body), tt.text) {
				t.Fatalf("status %d body %.400q, want %d containing %q", r.status, r.body, tt.status, tt.text)
			}
			if strings.Contains(r.body, "<h1>Error</h1>") && r.header.Get("X-Error") != tt.text {
				t.Errorf("X-Error = %q", r.header.Get("X-Error"))
			}
		})
	}
	if r := c.get("computer/doCreateItem"); r.status != http.StatusNotFound {
		t.Errorf("GET doCreateItem: %d, want 404 (@POST)", r.status)
	}
	if got := len(s.Nodes()); got != 2 {
		t.Errorf("%d nodes after the failed creations, want the built-in node and one agent", got)
	}
}

func TestSSHNodeForm(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	form := createForm("ssh1", map[string]any{
		"numExecutors": "2", "remoteFS": "/home/jenkins/agent", "labelString": "linux", "mode": "NORMAL",
		"launcher": map[string]any{"$class": "hudson.plugins.sshslaves.SSHLauncher", "host": "127.0.0.1", "port": "1",
			"credentialsId": "none", "launchTimeoutSeconds": "5", "maxNumRetries": "0", "retryWaitTime": "0",
			"sshHostKeyVerificationStrategy": map[string]any{"$class": "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy",
				"key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHXzRjl1nkKKvKyj7X4TtGSQeIYYOXsWvUNUsBNNsFsa"}},
		"retentionStrategy": map[string]any{"$class": "hudson.slaves.RetentionStrategy$Always"},
	})
	if r := c.post("computer/doCreateItem", form); r.status != http.StatusFound {
		t.Fatalf("create SSH node: %d %.300s", r.status, r.body)
	}
	m := c.json("computer/ssh1/api/json")
	if m["jnlpAgent"] != false || m["launchSupported"] != true || len(m["executors"].([]any)) != 2 {
		t.Fatalf("SSH computer = %v", m)
	}
	// A key that is not "ALGORITHM BASE64" is refused while binding, as the plugin does.
	bad := createForm("ssh2", map[string]any{"numExecutors": "1", "launcher": map[string]any{
		"$class": "hudson.plugins.sshslaves.SSHLauncher", "host": "h", "credentialsId": "none",
		"sshHostKeyVerificationStrategy": map[string]any{"$class": "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy", "key": "nospace"}}})
	if r := c.post("computer/doCreateItem", bad); r.status != 500 {
		t.Fatalf("bad host key: %d", r.status)
	}
	// No JNLP file for an SSH agent.
	if r := c.get("computer/ssh1/jenkins-agent.jnlp"); r.status != http.StatusNotFound {
		t.Fatalf("JNLP of an SSH agent: %d", r.status)
	}
}

func TestCreateItemXML(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	body := `<slave>
  <name>ignored</name>
  <description>from XML</description>
  <remoteFS>/home/jenkins</remoteFS>
  <numExecutors>2</numExecutors>
  <mode>EXCLUSIVE</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
  <launcher class="hudson.slaves.JNLPLauncher">
    <workDirSettings><disabled>false</disabled><internalDir>remoting</internalDir><failIfWorkDirIsMissing>false</failIfWorkDirIsMissing></workDirSettings>
    <webSocket>true</webSocket>
  </launcher>
  <label>linux docker</label>
  <nodeProperties/>
</slave>`
	r := c.do(http.MethodPost, "computer/createItem?name=xml1", strings.NewReader(body), "Content-Type: application/xml")
	if r.status != http.StatusOK {
		t.Fatalf("createItem: %d %.300s", r.status, r.body)
	}
	v, ok := s.Node("xml1")
	if !ok || v.Mode != jenkinssim.Exclusive || v.NumExecutors != 2 || !v.Inbound || strings.Join(v.Labels, " ") != "docker linux xml1" {
		t.Fatalf("node from XML = %+v", v)
	}
	r = c.do(http.MethodPost, "computer/createItem?name=xml1", strings.NewReader(body), "Content-Type: application/xml")
	if r.status != http.StatusBadRequest || r.header.Get("X-Error") != "Node 'xml1' already exists" {
		t.Fatalf("duplicate createItem: %d %.300s", r.status, r.body)
	}
	if r := c.get("computer/createItem"); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET createItem: %d, want 405", r.status)
	}
}

func TestDeleteToggleAndNotFound(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	inboundNode(t, s, "my agent", "linux", jenkinssim.Normal)
	connectAgent(t, s, "my agent")

	// Path-escaped names.
	m := c.json("computer/my%20agent/api/json")
	if m["displayName"] != "my agent" || m["offline"] != false {
		t.Fatalf("computer = %v", m)
	}

	// toggleOffline with a message, twice.
	r := c.post("computer/my%20agent/toggleOffline?offlineMessage="+url.QueryEscape("  back <soon> & \"later\"  "), nil)
	if r.status != http.StatusFound || r.header.Get("Location") != "/computer/my%20agent/" {
		t.Fatalf("toggleOffline: %d Location %q", r.status, r.header.Get("Location"))
	}
	m = c.json("computer/my%20agent/api/json")
	cause, _ := m["offlineCause"].(map[string]any)
	if m["temporarilyOffline"] != true || m["offline"] != true || cause["_class"] != "hudson.slaves.OfflineCause$UserCause" ||
		m["offlineCauseReason"] != "back &lt;soon&gt; &amp; &quot;later&quot;" || m["icon"] != "symbol-computer-disconnected" {
		t.Fatalf("after toggleOffline: temporarilyOffline %v offline %v cause %v reason %q icon %v",
			m["temporarilyOffline"], m["offline"], cause, m["offlineCauseReason"], m["icon"])
	}
	if len(cause) != 1 {
		t.Errorf("offlineCause at depth 0 = %v, want only _class", cause)
	}
	r = c.post("computer/my%20agent/toggleOffline", nil)
	if r.status != http.StatusFound {
		t.Fatalf("toggleOffline back: %d", r.status)
	}
	m = c.json("computer/my%20agent/api/json")
	if m["temporarilyOffline"] != false || m["offline"] != false || m["offlineCause"] != nil || m["offlineCauseReason"] != "" {
		t.Fatalf("after the second toggleOffline: %v", m)
	}
	// Without a message the reason is empty (the "Disconnected by USER" text is stripped).
	c.post("computer/my%20agent/toggleOffline", nil)
	if m := c.json("computer/my%20agent/api/json"); m["offlineCauseReason"] != "" || m["temporarilyOffline"] != true {
		t.Fatalf("toggleOffline without message: reason %q", m["offlineCauseReason"])
	}

	if r := c.get("computer/my%20agent/doDelete"); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET doDelete: %d", r.status)
	}
	r = c.post("computer/my%20agent/doDelete", nil)
	if r.status != http.StatusFound || r.header.Get("Location") != "/computer/" {
		t.Fatalf("doDelete: %d %q", r.status, r.header.Get("Location"))
	}
	if _, ok := s.Node("my agent"); ok {
		t.Fatalf("node still there")
	}

	for _, p := range []string{
		"computer/my%20agent/api/json", "computer/nope/api/json", "computer/nope/doDelete",
		"job/nope/api/json", "job/nope/1/api/json", "queue/item/42/api/json", "queue/item/x/api/json", "no/such/thing",
		"api/xml",
	} {
		r := c.get(p)
		if r.status != http.StatusNotFound || !strings.Contains(r.body, "Not Found") {
			t.Errorf("GET %s: %d, want Jenkins' 404 page", p, r.status)
		}
	}
	if r := c.post("computer/nope/doDelete", nil); r.status != http.StatusNotFound {
		t.Errorf("POST doDelete of an unknown node: %d", r.status)
	}
	if r := c.post("computer/(built-in)/doDelete", nil); r.status != http.StatusBadRequest {
		t.Errorf("delete the built-in node: %d, want 400", r.status)
	}
}

// jnlpArgs parses a JNLP file's application-desc arguments.
func jnlpArgs(t *testing.T, body string) []string {
	t.Helper()
	var j struct {
		App struct {
			Args []string `xml:"argument"`
		} `xml:"application-desc"`
	}
	if err := xml.Unmarshal([]byte(body), &j); err != nil {
		t.Fatalf("JNLP is not XML: %v: %q", err, body)
	}
	return j.App.Args
}

func TestJNLPFile(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	if r := c.post("computer/doCreateItem", inboundForm("in1", "linux", "NORMAL")); r.status != http.StatusFound {
		t.Fatalf("create: %d", r.status)
	}
	r := c.get("computer/in1/jenkins-agent.jnlp")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-java-jnlp-file" {
		t.Fatalf("jnlp: %d %q", r.status, r.header.Get("Content-Type"))
	}
	args := jnlpArgs(t, r.body)
	want := []string{s.InboundSecret("in1"), "in1", "-webSocket", "-workDir", "/home/jenkins/agent", "-internalDir", "remoting", "-url", s.URL()}
	if strings.Join(args, "|") != strings.Join(want, "|") {
		t.Fatalf("arguments = %q, want %q", args, want)
	}
	if len(args[0]) != 64 || strings.Trim(args[0], "0123456789abcdef") != "" {
		t.Fatalf("secret %q is not 64 hex digits", args[0])
	}
	// The older name serves the same file; the secret depends only on the name.
	old := jnlpArgs(t, c.get("computer/in1/slave-agent.jnlp").body)
	if old[0] != args[0] || s.InboundSecret("in1") != args[0] || s.InboundSecret("in2") == args[0] {
		t.Fatalf("secrets: %q %q", old[0], args[0])
	}
	// Deleting and re-creating a node with the same name gives the same secret.
	c.post("computer/in1/doDelete", nil)
	c.post("computer/doCreateItem", inboundForm("in1", "linux", "NORMAL"))
	if again := jnlpArgs(t, c.get("computer/in1/jenkins-agent.jnlp").body); again[0] != args[0] {
		t.Fatalf("secret changed for the same name")
	}
}
