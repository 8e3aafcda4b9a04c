package jenkins

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/ssh"
)

// NodeSpec describes a permanent agent node (hudson.slaves.DumbSlave) to create.
type NodeSpec struct {
	Name        string
	Description string
	RemoteFS    string   // the agent's root directory
	Labels      []string // label atoms; Jenkins adds the node's name itself
	Executors   int      // at least 1
	// Exclusive: only jobs whose label expression matches the node may use it
	// (mode EXCLUSIVE); otherwise any job may (NORMAL).
	Exclusive bool
}

// SSHLauncher makes Jenkins connect to the agent over SSH (SSH Build Agents plugin).
type SSHLauncher struct {
	Host          string
	Port          int
	CredentialsID string        // Jenkins credentials holding the private key
	LaunchTimeout time.Duration // zero: 60 s; sent in whole seconds, rounded up
	MaxRetries    int           // sent as given: 0 means no retry
	RetryWait     time.Duration // between retries, whole seconds
	// HostKey is the agent's public host key, "ssh-ed25519 AAAA…" (a trailing comment is
	// dropped). Required: Jenkins verifies it with ManuallyProvidedKeyVerificationStrategy;
	// without a strategy the plugin would trust any key.
	HostKey string
}

// InboundLauncher makes the agent connect to Jenkins (hudson.slaves.JNLPLauncher).
type InboundLauncher struct {
	WebSocket bool
	// WorkDir is remoting's work directory; empty uses the node's RemoteFS (Jenkins'
	// workDirSettings with disabled=false, internalDir "remoting").
	WorkDir string
}

// dumbSlaveType is the node type for doCreateItem.
const dumbSlaveType = "hudson.slaves.DumbSlave"

// CreateSSHNode creates a node that Jenkins launches over SSH. ErrConflict if a node of
// that name exists; ErrInvalid if spec or l is unusable (nothing is sent then).
//
// It posts the form Jenkins' "New node" page posts (POST /computer/doCreateItem with name,
// type and json), directly: gojenkins' CreateNode cannot set the retention strategy, the
// mode or a host-key verification strategy, and ignores the status.
func (c *Client) CreateSSHNode(ctx context.Context, spec NodeSpec, l SSHLauncher) error {
	op := "create node " + spec.Name
	if err := spec.check(); err != nil {
		return &Error{Op: op, Class: ErrInvalid, Detail: err.Error()}
	}
	launcher, err := l.formJSON()
	if err != nil {
		return &Error{Op: op, Class: ErrInvalid, Detail: err.Error()}
	}
	return c.createNode(ctx, op, spec, launcher)
}

// CreateInboundNode creates a node whose agent connects to Jenkins (TCP or WebSocket)
// with the secret InboundSecret returns. Errors as CreateSSHNode.
func (c *Client) CreateInboundNode(ctx context.Context, spec NodeSpec, l InboundLauncher) error {
	op := "create node " + spec.Name
	if err := spec.check(); err != nil {
		return &Error{Op: op, Class: ErrInvalid, Detail: err.Error()}
	}
	return c.createNode(ctx, op, spec, l.formJSON())
}

func (c *Client) createNode(ctx context.Context, op string, spec NodeSpec, launcher map[string]any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	js, err := json.Marshal(spec.formJSON(launcher))
	if err != nil {
		return &Error{Op: op, Class: ErrInvalid, Err: err}
	}
	form := url.Values{"name": {spec.Name}, "type": {dumbSlaveType}, "json": {string(js)}}
	_, err = c.do(ctx, request{op: op, method: http.MethodPost, path: "/computer/doCreateItem", form: form})
	return err
}

// formJSON is the form's json field for DumbSlave: numbers are strings, as the web form
// sends them; RetentionStrategy$Always leaves deletion to berth.
func (s NodeSpec) formJSON(launcher map[string]any) map[string]any {
	mode := "NORMAL"
	if s.Exclusive {
		mode = "EXCLUSIVE"
	}
	return map[string]any{
		"name":              s.Name,
		"nodeDescription":   s.Description,
		"numExecutors":      strconv.Itoa(s.Executors),
		"remoteFS":          s.RemoteFS,
		"labelString":       strings.Join(dedupe(s.Labels), " "),
		"mode":              mode,
		"launcher":          launcher,
		"retentionStrategy": map[string]any{"$class": "hudson.slaves.RetentionStrategy$Always"},
		"nodeProperties":    map[string]any{"stapler-class-bag": "true"},
	}
}

// check applies Jenkins' own rules (Jenkins.checkGoodName, ComputerSet.checkName) before
// anything is sent, so a bad name is reported as such rather than as an HTML page.
func (s NodeSpec) check() error {
	if err := checkNodeName(s.Name); err != nil {
		return err
	}
	if s.RemoteFS == "" {
		return fmt.Errorf("remote root directory is required")
	}
	if s.Executors < 1 {
		return fmt.Errorf("executors must be at least 1, not %d", s.Executors)
	}
	for _, l := range s.Labels {
		if l == "" || strings.ContainsFunc(l, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || r == '\'' }) {
			return fmt.Errorf("label %q: empty, or holds whitespace or a quote", l)
		}
	}
	return nil
}

// checkNodeName is Jenkins.checkGoodName plus the trimming ComputerSet applies.
func checkNodeName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("node name is required")
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("node name %q has surrounding whitespace", name)
	case name == "." || name == "..":
		return fmt.Errorf("node name %q is not allowed", name)
	case strings.HasSuffix(name, "."):
		return fmt.Errorf("node name %q ends with a dot", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("node name %q holds a control character", name)
		}
		if strings.ContainsRune(`?*/\%!@#$^&|<>[]:;`, r) {
			return fmt.Errorf("node name %q holds the unsafe character %q", name, r)
		}
	}
	return nil
}

func dedupe(labels []string) []string {
	seen := make(map[string]bool, len(labels))
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// formJSON is the SSH launcher object of the form.
func (l SSHLauncher) formJSON() (map[string]any, error) {
	if l.Host == "" {
		return nil, fmt.Errorf("ssh launcher: host is required")
	}
	if l.Port < 1 || l.Port > 65535 {
		return nil, fmt.Errorf("ssh launcher: port %d out of range", l.Port)
	}
	if l.CredentialsID == "" {
		return nil, fmt.Errorf("ssh launcher: credentials id is required")
	}
	if l.LaunchTimeout < 0 || l.MaxRetries < 0 || l.RetryWait < 0 {
		return nil, fmt.Errorf("ssh launcher: negative timeout, retries or wait")
	}
	key, err := normalizeHostKey(l.HostKey)
	if err != nil {
		return nil, fmt.Errorf("ssh launcher: host key: %w", err)
	}
	timeout := l.LaunchTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	return map[string]any{
		"$class":               "hudson.plugins.sshslaves.SSHLauncher",
		"host":                 l.Host,
		"port":                 strconv.Itoa(l.Port),
		"credentialsId":        l.CredentialsID,
		"launchTimeoutSeconds": strconv.Itoa(ceilSeconds(timeout)),
		"maxNumRetries":        strconv.Itoa(l.MaxRetries),
		"retryWaitTime":        strconv.Itoa(ceilSeconds(l.RetryWait)),
		"sshHostKeyVerificationStrategy": map[string]any{
			"$class": "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy",
			"key":    key,
		},
	}, nil
}

// normalizeHostKey parses an authorized_keys-style public key and returns "type base64",
// the form ManuallyProvidedKeyVerificationStrategy reads.
func normalizeHostKey(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("required (e.g. \"ssh-ed25519 AAAA…\")")
	}
	pub, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return "", fmt.Errorf("not an SSH public key: %v", err)
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return "", fmt.Errorf("more than one key")
	}
	return pub.Type() + " " + base64.StdEncoding.EncodeToString(pub.Marshal()), nil
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// formJSON is the inbound launcher object of the form.
func (l InboundLauncher) formJSON() map[string]any {
	workDir := map[string]any{"disabled": false, "internalDir": "remoting", "failIfWorkDirIsMissing": false}
	if l.WorkDir != "" {
		workDir["workDirPath"] = l.WorkDir
	}
	return map[string]any{
		"$class":          "hudson.slaves.JNLPLauncher",
		"webSocket":       l.WebSocket,
		"workDirSettings": workDir,
	}
}

// TakeOffline marks the node temporarily offline with message, unless it already is.
// Jenkins only offers toggleOffline, a toggle, so the node's state is read first; a user
// toggling the node between the two requests can still flip it back.
func (c *Client) TakeOffline(ctx context.Context, name, message string) error {
	return c.setTemporarilyOffline(ctx, "take node "+name+" offline", name, true, message)
}

// BringOnline clears the node's temporarily-offline mark, unless it is not set. It does
// not launch a disconnected agent.
func (c *Client) BringOnline(ctx context.Context, name string) error {
	return c.setTemporarilyOffline(ctx, "bring node "+name+" online", name, false, "")
}

func (c *Client) setTemporarilyOffline(ctx context.Context, op, name string, offline bool, message string) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	n, err := c.node(ctx, op, name)
	if err != nil {
		return err
	}
	if n.TemporarilyOffline == offline {
		return nil
	}
	var q url.Values
	if offline {
		q = url.Values{"offlineMessage": {message}}
	}
	_, err = c.do(ctx, request{op: op, method: http.MethodPost, path: "/computer/" + escapeName(name) + "/toggleOffline", query: q, form: url.Values{}})
	return err
}

// DeleteNode removes the node; ErrNotFound if there is none (the caller may count that
// as done).
func (c *Client) DeleteNode(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	op := "delete node " + name
	if name == "" {
		return &Error{Op: op, Class: ErrInvalid, Detail: "empty node name"}
	}
	_, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/computer/" + escapeName(name) + "/doDelete", form: url.Values{}})
	return err
}
