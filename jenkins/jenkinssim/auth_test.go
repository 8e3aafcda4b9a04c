package jenkinssim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

func authSim(t *testing.T) *jenkinssim.Sim {
	s := startSim(t, jenkinssim.Options{Users: []jenkinssim.User{
		{Name: "bot", APIToken: "11aabbccddeeff00112233445566778899"},
		{Name: "alice", Password: "wonderland"},
	}})
	inboundNode(t, s, "a", "", jenkinssim.Normal)
	return s
}

func TestWrongCredentialsGet401(t *testing.T) {
	s := authSim(t)
	for _, c := range []*client{
		newClient(t, s, "bot", "wrong"),
		newClient(t, s, "alice", "wrong"),
		newClient(t, s, "nobody", "x"),
	} {
		r := c.get("crumbIssuer/api/json")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401", c.user, r.status)
		}
		if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="Jenkins"` {
			t.Errorf("%s: WWW-Authenticate = %q", c.user, got)
		}
		if !strings.Contains(r.body, "Invalid password/token for user: "+c.user) || !strings.Contains(r.body, "HTTP ERROR 401") {
			t.Errorf("%s: body %q", c.user, r.body)
		}
		if r.header.Get("X-Jenkins") != "" {
			t.Errorf("%s: the container's 401 page carries no X-Jenkins header", c.user)
		}
		if !strings.Contains(r.header.Get("Content-Type"), "iso-8859-1") {
			t.Errorf("%s: Content-Type %q", c.user, r.header.Get("Content-Type"))
		}
	}
	r := newClient(t, s, "", "").do(http.MethodGet, "api/json", nil, "Authorization: Basic bm9jb2xvbg==") // "nocolon"
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Malformed HTTP basic Authorization header") {
		t.Fatalf("malformed header: %d %q", r.status, r.body)
	}
}

func TestAnonymousGetsLoginPage(t *testing.T) {
	s := authSim(t)
	c := anonymousClient(t, s)
	r := c.get("api/json?depth=1")
	if r.status != http.StatusForbidden {
		t.Fatalf("anonymous /api/json: %d, want 403", r.status)
	}
	h := r.header
	if h.Get("X-You-Are-Authenticated-As") != "anonymous" || h.Get("X-Required-Permission") != "hudson.model.Hudson.Read" {
		t.Errorf("headers %v", h)
	}
	if got := h.Values("X-Permission-Implied-By"); len(got) != 2 || got[0] != "hudson.security.Permission.GenericRead" || got[1] != "hudson.model.Hudson.Administer" {
		t.Errorf("X-Permission-Implied-By = %v", got)
	}
	if h.Get("X-Jenkins") != jenkinssim.DefaultVersion {
		t.Errorf("X-Jenkins = %q", h.Get("X-Jenkins"))
	}
	if !strings.Contains(r.body, "Authentication required") || !strings.Contains(r.body, "/login?from=%2Fapi%2Fjson%3Fdepth%3D1") {
		t.Errorf("body %q", r.body)
	}
	for _, p := range []string{"computer/api/json", "queue/api/json", "crumbIssuer/api/json", "no/such/page", "computer/a/jenkins-agent.jnlp"} {
		if r := c.get(p); r.status != http.StatusForbidden {
			t.Errorf("anonymous %s: %d, want 403", p, r.status)
		}
	}
	// Always-readable and unprotected paths.
	if r := c.get("login"); r.status != http.StatusOK {
		t.Errorf("anonymous /login: %d", r.status)
	}
	who := c.json("whoAmI/api/json")
	if who["anonymous"] != true || who["name"] != "anonymous" {
		t.Errorf("whoAmI = %v", who)
	}
	// An anonymous POST fails the crumb check first.
	if r := c.post("computer/a/toggleOffline", nil); r.status != http.StatusForbidden || !strings.Contains(r.body, "No valid crumb was included in the request") {
		t.Errorf("anonymous POST: %d %q", r.status, r.body)
	}
}

func TestAPITokenNeedsNoCrumb(t *testing.T) {
	s := authSim(t)
	c := newClient(t, s, "bot", "11aabbccddeeff00112233445566778899")
	if r := c.post("computer/a/toggleOffline?offlineMessage=x", nil); r.status != http.StatusFound {
		t.Fatalf("token POST without crumb: %d", r.status)
	}
	who := c.json("whoAmI/api/json")
	if who["name"] != "bot" || who["anonymous"] != false {
		t.Fatalf("whoAmI = %v", who)
	}
}

func TestPasswordNeedsSessionBoundCrumb(t *testing.T) {
	s := authSim(t)
	alice := newClient(t, s, "alice", "wonderland")

	if r := alice.post("computer/a/toggleOffline", nil); r.status != http.StatusForbidden || !strings.Contains(r.body, "No valid crumb was included in the request") {
		t.Fatalf("password POST without crumb: %d %q", r.status, r.body)
	}

	var crumb struct {
		Class string `json:"_class"`
		Crumb string `json:"crumb"`
		Field string `json:"crumbRequestField"`
	}
	r := alice.get("crumbIssuer/api/json")
	if err := json.Unmarshal([]byte(r.body), &crumb); err != nil || crumb.Field != "Jenkins-Crumb" || len(crumb.Crumb) != 64 {
		t.Fatalf("crumb issuer: %d %q (%v)", r.status, r.body, err)
	}
	if alice.jar.Cookies(mustURL(t, s.URL())) == nil {
		t.Fatalf("no session cookie after the crumb request")
	}

	// Same session (cookie kept): accepted, as header or as form field.
	if r := alice.post("computer/a/toggleOffline", nil, "Jenkins-Crumb: "+crumb.Crumb); r.status != http.StatusFound {
		t.Fatalf("POST with crumb and session: %d %q", r.status, r.body)
	}
	if r := alice.post("computer/a/toggleOffline", map[string][]string{"Jenkins-Crumb": {crumb.Crumb}}); r.status != http.StatusFound {
		t.Fatalf("POST with crumb form field: %d", r.status)
	}

	// Another session (no cookie): the same crumb is not valid.
	other := newClient(t, s, "alice", "wonderland")
	if r := other.post("computer/a/toggleOffline", nil, "Jenkins-Crumb: "+crumb.Crumb); r.status != http.StatusForbidden {
		t.Fatalf("crumb from another session: %d, want 403", r.status)
	}
	// Another user's token request does not need it.
	if r := tokenClientFor(t, s, "bot").post("computer/a/toggleOffline", nil); r.status != http.StatusFound {
		t.Fatalf("token user: %d", r.status)
	}
}

func tokenClientFor(t *testing.T, s *jenkinssim.Sim, name string) *client {
	for _, u := range s.Users() {
		if u.Name == name {
			return newClient(t, s, u.Name, u.APIToken)
		}
	}
	t.Fatalf("no user %s", name)
	return nil
}

func TestDefaultUserAndVersionHeader(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	users := s.Users()
	if len(users) != 1 || users[0].Name != "admin" || len(users[0].APIToken) != 34 || !strings.HasPrefix(users[0].APIToken, "11") {
		t.Fatalf("default users = %+v", users)
	}
	r := tokenClient(t, s).get("api/json")
	if r.header.Get("X-Jenkins") != "2.579" || r.header.Get("X-Jenkins-Session") == "" || r.header.Get("Content-Type") != "application/json;charset=utf-8" {
		t.Fatalf("headers = %v", r.header)
	}
}
