package jenkins

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Why this client speaks HTTP itself instead of going through github.com/bndr/gojenkins
// (v1.2.0, read in full before deciding):
//   - Requester.Do never looks at the status code: a 401 or 403 HTML page surfaces as a
//     JSON syntax error or, with an empty body, as success with a zero value (it ignores
//     io.EOF). An empty node list that is really an error would make berth think its
//     nodes are gone.
//   - Requester.SetCrumb discards the error of the crumb request and then reads
//     response.StatusCode, which panics when Jenkins cannot be reached; it also fetches a
//     crumb before every POST and copies the raw Set-Cookie value into a Cookie header.
//   - CreateNode cannot set the retention strategy (it sends the misspelt
//     "retentionsStrategy"), the mode or a host-key verification strategy; no call takes
//     tree= for the queue or nodes (GetAllNodes uses depth=1); node names are not escaped;
//     there is no whoAmI and no inbound-secret call; Init sets package-level loggers.
// None of its calls is right for what berth asks of Jenkins, so berth uses none of them;
// the small core below checks every status, classifies every failure and bounds every
// body.

// Options configure a Client.
type Options struct {
	// URL is the controller's root URL, e.g. https://ci.example.com/jenkins/.
	URL string
	// User is the Jenkins user name.
	User string
	// Token is the user's API token. Requests authenticated by API token need no crumb.
	Token string
	// Password may be given instead of Token; POSTs then carry a crumb bound to the
	// session cookie.
	Password string
	// Timeout bounds each call (all its requests). Zero means 30 seconds.
	Timeout time.Duration
	// HTTPClient is copied, never modified. Nil means a client with the default transport
	// and TLS verification.
	HTTPClient *http.Client
	// Logger receives debug lines per request (method, path, status, duration) and
	// warnings; never credentials, crumbs, secrets or bodies. Nil discards.
	Logger *slog.Logger
}

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxBody bounds how much of any response the client reads.
const maxBody = 32 << 20

// Client talks to one Jenkins controller. It is safe for concurrent use.
type Client struct {
	base     *url.URL // scheme and host; Path without a trailing slash
	user     string
	token    string
	password string
	basic    string // base64 of user:secret, as sent in Authorization; redacted like them
	timeout  time.Duration
	hc       *http.Client
	log      *slog.Logger

	crumbMu sync.Mutex
	crumb   *crumb // nil until fetched (password mode only)
}

// New checks opts and returns a Client. It does not contact Jenkins.
func New(opts Options) (*Client, error) {
	if opts.URL == "" {
		return nil, fmt.Errorf("jenkins client: %w: URL is required", ErrInvalid)
	}
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("jenkins client: %w: URL: %v", ErrInvalid, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("jenkins client: %w: URL scheme must be http or https, not %q", ErrInvalid, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("jenkins client: %w: URL has no host", ErrInvalid)
	}
	if u.User != nil {
		return nil, fmt.Errorf("jenkins client: %w: URL must not carry credentials; use User and Token", ErrInvalid)
	}
	if opts.Token != "" && opts.Password != "" {
		return nil, fmt.Errorf("jenkins client: %w: give Token or Password, not both", ErrInvalid)
	}
	if (opts.Token != "" || opts.Password != "") && opts.User == "" {
		return nil, fmt.Errorf("jenkins client: %w: User is required with a Token or Password", ErrInvalid)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("jenkins client: %w: negative Timeout", ErrInvalid)
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/")}
	base.RawPath = strings.TrimRight(u.EscapedPath(), "/")

	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	} else {
		hc.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	// Jenkins answers successful POSTs with 302 to an HTML page; following it would turn
	// the POST into a GET of that page. The client looks at the redirect itself.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if opts.Password != "" && hc.Jar == nil {
		// The crumb is bound to the web session: keep its cookie.
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("jenkins client: cookie jar: %w", err)
		}
		hc.Jar = jar
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var basic string
	if opts.User != "" {
		basic = base64.StdEncoding.EncodeToString([]byte(opts.User + ":" + opts.Token + opts.Password))
	}
	return &Client{
		base:     base,
		user:     opts.User,
		token:    opts.Token,
		password: opts.Password,
		basic:    basic,
		timeout:  timeout,
		hc:       &hc,
		log:      log.With("component", "jenkins"),
	}, nil
}

// URL returns the controller's root URL as configured, with a trailing slash.
func (c *Client) URL() string {
	u := *c.base
	u.Path += "/"
	if u.RawPath != "" {
		u.RawPath += "/"
	}
	return u.String()
}

// request describes one HTTP exchange.
type request struct {
	op     string     // names the call in errors
	method string     // GET or POST
	path   string     // escaped path below the root, starting with "/"
	query  url.Values // optional
	form   url.Values // POST body, application/x-www-form-urlencoded
	accept string     // Accept header
	// secretBody: the answer may hold a secret, so no error quotes it.
	secretBody bool
}

// response is what the core hands back after checking the status.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorf builds an *Error for r.
func (c *Client) errorf(r request, status int, class error, cause error, detail string) *Error {
	return &Error{Op: r.op, Method: r.method, Path: c.fullPath(r.path), Status: status,
		Class: class, Err: cause, Detail: redact(detail, c.secrets()...)}
}

// secrets are the strings no error may contain.
func (c *Client) secrets() []string { return []string{c.token, c.password, c.basic} }

func (c *Client) fullPath(p string) string { return c.base.EscapedPath() + p }

// do performs r within the call's deadline, adds authentication and (for POSTs with a
// password) the crumb, reads the body and checks the status. A POST answered by 302/303
// to anything but a login page counts as success, as Jenkins redirects after every
// successful form POST (doCreateItem to ".", doDelete to "..", toggleOffline to ".").
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	if r.method == http.MethodPost && c.password != "" {
		return c.postWithCrumb(ctx, r)
	}
	return c.send(ctx, r, nil)
}

// send performs one exchange; hdr adds headers (the crumb).
func (c *Client) send(ctx context.Context, r request, hdr http.Header) (*response, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + r.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, c.errorf(r, 0, ErrInvalid, nil, "bad path")
	}
	u.Path = p
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, c.errorf(r, 0, ErrInvalid, nil, "cannot build request")
	}
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	// Queue texts (why) are localized by the request's locale.
	req.Header.Set("Accept-Language", "en")
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if c.user != "" {
		secret := c.token
		if secret == "" {
			secret = c.password
		}
		req.SetBasicAuth(c.user, secret)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.Debug("jenkins request failed", "method", r.method, "path", c.fullPath(r.path), "duration", time.Since(start))
		return nil, c.transportError(r, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	c.log.Debug("jenkins request", "method", r.method, "path", c.fullPath(r.path), "status", resp.StatusCode, "duration", time.Since(start))
	if err != nil {
		e := c.transportError(r, err)
		e.Status = resp.StatusCode
		return nil, e
	}
	if len(data) > maxBody {
		return nil, c.errorf(r, resp.StatusCode, ErrBadResponse, nil, fmt.Sprintf("body larger than %d bytes", maxBody))
	}
	out := &response{status: resp.StatusCode, header: resp.Header, body: data}
	// out is returned with a status error too: postWithCrumb looks at a 403's body.
	return out, c.checkStatus(r, out)
}

// transportError wraps a failure to exchange or read, keeping the cause but not the URL
// (url.Error repeats the whole URL, query included).
func (c *Client) transportError(r request, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return c.errorf(r, 0, classifyTransport(err), err, "")
}

// checkStatus turns any answer that is not a success into an *Error.
func (c *Client) checkStatus(r request, resp *response) error {
	switch {
	case resp.status >= 200 && resp.status < 300:
		return nil
	case resp.status == http.StatusFound || resp.status == http.StatusSeeOther ||
		resp.status == http.StatusMovedPermanently || resp.status == http.StatusTemporaryRedirect ||
		resp.status == http.StatusPermanentRedirect:
		loc := resp.header.Get("Location")
		if isLoginRedirect(loc) {
			return c.errorf(r, resp.status, ErrUnauthorized, nil, "redirected to the login page")
		}
		if r.method == http.MethodPost && (resp.status == http.StatusFound || resp.status == http.StatusSeeOther) {
			return nil
		}
		return c.errorf(r, resp.status, ErrBadResponse, nil, "unexpected redirect to "+truncate(locationPath(loc), snippetLimit))
	}
	// Jenkins' error pages (hudson.model.Failure) carry the message in X-Error; Jetty
	// sends header values as ISO-8859-1, so it is sanitized like a body.
	message := resp.header.Get("X-Error")
	detail := snippet([]byte(message), c.secrets()...)
	if detail == "" && !r.secretBody {
		detail = snippet(resp.body, c.secrets()...)
		message = string(resp.body)
	}
	return c.errorf(r, resp.status, classifyStatus(resp.status, message), nil, truncate(detail, snippetLimit))
}

// isLoginRedirect reports a Location that sends the client to sign in: Jenkins' own
// /login, or a security realm's entry point such as /securityRealm/commenceLogin.
func isLoginRedirect(loc string) bool {
	p := strings.ToLower(locationPath(loc))
	return strings.HasSuffix(p, "/login") || strings.Contains(p, "/login/") ||
		strings.Contains(p, "/securityrealm/commencelogin")
}

// locationPath is the path of a Location header, without query (which may be long).
func locationPath(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparsable)"
	}
	return u.EscapedPath()
}

// getJSON performs a GET and decodes a JSON answer into v, which must be a pointer.
func (c *Client) getJSON(ctx context.Context, r request, v any) (*response, error) {
	r.method = http.MethodGet
	r.accept = "application/json"
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	err = decodeJSON(resp.header.Get("Content-Type"), resp.body, v)
	if val, ok := v.(validator); ok && err == nil {
		err = val.validate()
	}
	if err != nil {
		detail := err.Error()
		var be *bodyError
		if errors.As(err, &be) && be.quote && !r.secretBody {
			detail += " (" + snippet(resp.body, c.secrets()...) + ")"
		}
		return nil, c.errorf(r, resp.status, ErrBadResponse, nil, detail)
	}
	return resp, nil
}

// validator is implemented by decoded answers that check their own shape.
type validator interface{ validate() error }

// bodyError says what is wrong with a body; quote asks for a snippet in the message.
type bodyError struct {
	msg   string
	quote bool
}

func (e *bodyError) Error() string { return e.msg }

// decodeJSON decodes one JSON value, refusing HTML, empty bodies and trailing data.
func decodeJSON(contentType string, body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return &bodyError{msg: "empty body where JSON was expected"}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if trimmed[0] == '<' || strings.Contains(mt, "html") {
		return &bodyError{msg: "HTML where JSON was expected", quote: true}
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return &bodyError{msg: "malformed JSON: " + jsonProblem(err), quote: true}
	}
	if dec.More() {
		return &bodyError{msg: "malformed JSON: data after the JSON value", quote: true}
	}
	return nil
}

// jsonProblem describes a decoding error without quoting the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s at byte %d", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("wrong shape: %q is a JSON %s", typ.Field, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated"
	}
	return truncate(err.Error(), snippetLimit)
}

// escapeName path-escapes a node name for use as one URL path segment.
func escapeName(name string) string { return url.PathEscape(name) }
