package jenkinssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// Authentication and CSRF protection, as Jenkins' filter chain does them: BasicHeaderProcessor
// (401 for a wrong token or password), then CrumbFilter (403 for a POST without a valid crumb
// unless the request was authenticated by API token), then the permission check (403 login
// page for anonymous callers outside the always-readable paths).

// session is an HTTP session (JSESSIONID cookie).
type session struct {
	id      string
	user    string // "" until someone logs in with a password
	created time.Time
}

// authn is the outcome of authentication for one request.
type authn struct {
	user  string // "" for anonymous
	token bool   // authenticated by API token: exempt from the crumb check
	sess  *session
}

func (a *authn) anonymous() bool { return a.user == "" }

// name is Authentication.getName.
func (a *authn) name() string {
	if a.anonymous() {
		return "anonymous"
	}
	return a.user
}

// authenticate runs BasicHeaderProcessor. It returns false after writing the 401 response.
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request) (*authn, bool) {
	a := &authn{sess: s.sessionOf(r)}
	if a.sess != nil {
		a.user = a.sess.user
	}
	h := r.Header.Get("Authorization")
	if len(h) < 6 || !strings.EqualFold(h[:6], "basic ") {
		return a, true
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[6:]))
	if err != nil {
		raw = nil
	}
	userPass := string(raw)
	i := strings.IndexByte(userPass, ':')
	if i < 0 {
		s.unauthorized(w, r, "Malformed HTTP basic Authorization header")
		return nil, false
	}
	name, secret := userPass[:i], userPass[i+1:]
	if a.sess != nil && a.sess.user == name && name != "" {
		// authenticationIsRequired: the session already authenticates this user.
		return a, true
	}
	u, ok := s.users[name]
	switch {
	case ok && u.APIToken != "" && constantEq(secret, u.APIToken):
		return &authn{user: name, token: true, sess: a.sess}, true
	case ok && u.Password != "" && constantEq(secret, u.Password):
		sess := a.sess
		if sess == nil {
			sess = s.newSession(w)
		}
		s.mu.Lock()
		sess.user = name
		s.mu.Unlock()
		return &authn{user: name, sess: sess}, true
	}
	s.unauthorized(w, r, "Invalid password/token for user: "+name)
	return nil, false
}

// unauthorized is BasicAuthenticationEntryPoint: WWW-Authenticate and the container's 401 page.
func (s *Sim) unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Jenkins"`)
	s.containerError(w, r, http.StatusUnauthorized, msg)
}

func constantEq(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// sessionOf returns the session named by the request's cookie, if it exists.
func (s *Sim) sessionOf(r *http.Request) *session {
	c, err := r.Cookie(s.cookieName)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[c.Value]
}

// newSession creates a session and sets its cookie on the response.
func (s *Sim) newSession(w http.ResponseWriter) *session {
	sess := &session{id: "node0" + hex.EncodeToString(randomBytes(12)) + ".node0", created: s.now()}
	s.mu.Lock()
	s.sessions[sess.id] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: sess.id, Path: "/", HttpOnly: true})
	return sess
}

// crumb is DefaultCrumbIssuer.issueCrumb: bound to the user's name and the session id.
func (s *Sim) crumb(a *authn) string {
	m := hmac.New(sha256.New, s.crumbKey)
	m.Write([]byte(a.name() + ";" + a.sess.id))
	return hex.EncodeToString(m.Sum(nil))
}

// checkCrumb is CrumbFilter for a POST. It returns false after writing the 403 response.
func (s *Sim) checkCrumb(w http.ResponseWriter, r *http.Request, a *authn) bool {
	if r.Method != http.MethodPost || a.token {
		return true
	}
	got := r.Header.Get("Jenkins-Crumb")
	if got == "" && isForm(r) {
		got = r.PostFormValue("Jenkins-Crumb")
	}
	if got == "" {
		got = r.URL.Query().Get("Jenkins-Crumb")
	}
	if got != "" {
		if a.sess == nil {
			// issueCrumb calls getSession(): a new, empty session never matches.
			a.sess = s.newSession(w)
		}
		if constantEq(got, s.crumb(a)) {
			return true
		}
	}
	s.containerError(w, r, http.StatusForbidden, "No valid crumb was included in the request")
	return false
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// alwaysReadable is Jenkins.ALWAYS_READABLE_PATHS plus the unprotected root actions the
// simulator has (wsagents, whoAmI, jnlpJars).
var alwaysReadable = map[string]bool{
	"404": true, "_404": true, "_404_simple": true, "login": true, "loginError": true, "logout": true,
	"accessDenied": true, "adjuncts": true, "error": true, "oops": true, "signup": true,
	"tcpSlaveAgentListener": true, "federatedLoginService": true, "securityRealm": true,
	"wsagents": true, "whoAmI": true, "jnlpJars": true,
}

// mayRead is the Overall/Read check of Jenkins.getTarget.
func mayRead(a *authn, first string) bool {
	return !a.anonymous() || alwaysReadable[first]
}

// loginRequired is HudsonAuthenticationEntryPoint.commence for an anonymous caller lacking
// Overall/Read: 403 with a page that redirects to the login form.
func (s *Sim) loginRequired(w http.ResponseWriter, r *http.Request, a *authn) {
	from := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		from += "?" + r.URL.RawQuery
	}
	h := w.Header()
	s.advertise(h)
	h.Set("Content-Type", "text/html;charset=UTF-8")
	h.Add("X-You-Are-Authenticated-As", a.name())
	h.Add("X-You-Are-In-Group-Disabled", "JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose")
	h.Add("X-Required-Permission", "hudson.model.Hudson.Read")
	h.Add("X-Permission-Implied-By", "hudson.security.Permission.GenericRead")
	h.Add("X-Permission-Implied-By", "hudson.model.Hudson.Administer")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(s.loginRequiredPage(from, a)))
}
