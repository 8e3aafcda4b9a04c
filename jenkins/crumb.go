package jenkins

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// crumb is a CSRF crumb from /crumbIssuer/api/json. An empty field means the controller
// issues none (crumbIssuer answered 404: CSRF protection is off).
type crumb struct {
	field string
	value string
}

// crumbJSON is the crumbIssuer answer: {"_class":…,"crumb":…,"crumbRequestField":"Jenkins-Crumb"}.
type crumbJSON struct {
	Crumb             string `json:"crumb"`
	CrumbRequestField string `json:"crumbRequestField"`
}

func (j *crumbJSON) validate() error {
	if j.Crumb == "" || j.CrumbRequestField == "" {
		return &bodyError{msg: "wrong shape: crumb or crumbRequestField missing"}
	}
	if strings.ContainsAny(j.CrumbRequestField, " \t\r\n:") {
		return &bodyError{msg: "wrong shape: crumbRequestField is not a header name"}
	}
	return nil
}

// postWithCrumb sends a POST for a password-authenticated client. Requests authenticated
// by API token are exempt from CSRF protection (Jenkins' ApiCrumbExclusion), so only this
// mode needs a crumb. The crumb is bound to the session whose cookie the client's jar
// keeps; when Jenkins refuses it (403 "No valid crumb was included in the request", e.g.
// after the session expired) the client fetches a fresh one and retries once.
func (c *Client) postWithCrumb(ctx context.Context, r request) (*response, error) {
	for attempt := 0; ; attempt++ {
		cr, err := c.currentCrumb(ctx, r, attempt > 0)
		if err != nil {
			return nil, err
		}
		var hdr http.Header
		if cr.field != "" {
			hdr = http.Header{http.CanonicalHeaderKey(cr.field): {cr.value}}
		}
		resp, err := c.send(ctx, r, hdr)
		if err != nil && attempt == 0 && resp != nil && resp.status == http.StatusForbidden && isCrumbRefusal(resp) {
			c.log.Info("jenkins refused the crumb; fetching a new one", "path", c.fullPath(r.path))
			continue
		}
		return resp, err
	}
}

// isCrumbRefusal recognises the CrumbFilter's 403, whose text names the crumb.
func isCrumbRefusal(resp *response) bool {
	text := strings.ToLower(resp.header.Get("X-Error") + string(resp.body))
	return strings.Contains(text, "crumb")
}

// currentCrumb returns the cached crumb, fetching it first if there is none or refresh
// is set.
func (c *Client) currentCrumb(ctx context.Context, r request, refresh bool) (crumb, error) {
	c.crumbMu.Lock()
	defer c.crumbMu.Unlock()
	if c.crumb != nil && !refresh {
		return *c.crumb, nil
	}
	var j crumbJSON
	_, err := c.getJSON(ctx, request{op: r.op + ": fetch crumb", path: "/crumbIssuer/api/json"}, &j)
	var je *Error
	switch {
	case errors.As(err, &je) && je.Status == http.StatusNotFound:
		c.crumb = &crumb{}
	case err != nil:
		return crumb{}, err
	default:
		c.crumb = &crumb{field: j.CrumbRequestField, value: j.Crumb}
	}
	return *c.crumb, nil
}
