package jenkins

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Error classes. Every error a Client call returns wraps at most one of them; callers test
// with errors.Is. They are set in one place (classifyStatus, classifyTransport), in the
// spirit of moby's errdefs.
var (
	// ErrUnauthorized: Jenkins did not accept the credentials (HTTP 401, or a redirect to
	// a login page).
	ErrUnauthorized = errors.New("jenkins: unauthorized")
	// ErrForbidden: the user lacks a permission (HTTP 403).
	ErrForbidden = errors.New("jenkins: forbidden")
	// ErrNotFound: no such node (HTTP 404).
	ErrNotFound = errors.New("jenkins: not found")
	// ErrConflict: a node with that name already exists. Jenkins answers such a create
	// with its HTML error page and HTTP 400, which the client recognises.
	ErrConflict = errors.New("jenkins: already exists")
	// ErrInvalid: the request was refused as invalid, by Jenkins (any other HTTP 400, 405,
	// 413, 415, 422) or by the client before sending it (bad node spec).
	ErrInvalid = errors.New("jenkins: invalid request")
	// ErrUnavailable: Jenkins could not be reached or answered 5xx, 408 or 429: connection
	// refused or reset, a timeout, a proxy error. Worth retrying later.
	ErrUnavailable = errors.New("jenkins: unavailable")
	// ErrBadResponse: the answer cannot be used: HTML where JSON was expected, an empty,
	// truncated or malformed body, JSON of the wrong shape, an unexpected redirect.
	ErrBadResponse = errors.New("jenkins: bad response")
)

// Error is the error every Client call returns. Its message names the call, the method and
// URL path, and the HTTP status or transport failure, for example
//
//	create node berth-linux-7f3a: POST /computer/doCreateItem: 403 Forbidden
//
// It never contains credentials, crumbs or inbound secrets, and at most a short,
// sanitized snippet of a response body.
type Error struct {
	Op     string // the call, e.g. "create node berth-linux-7f3a"
	Method string // HTTP method; empty when the request was never sent
	Path   string // URL path (escaped, without the query)
	Status int    // HTTP status; 0 when there was no response
	Detail string // Jenkins' X-Error text, a sanitized body snippet, or what was wrong with the body
	Class  error  // one of the Err* classes, or nil
	Err    error  // underlying cause (transport or decoding error), or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Method != "" {
		fmt.Fprintf(&b, ": %s %s", e.Method, e.Path)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %s", statusText(e.Status))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Status == 0 && e.Detail == "" && e.Err == nil && e.Class != nil {
		b.WriteString(": ")
		b.WriteString(e.Class.Error())
	}
	return b.String()
}

// Unwrap exposes both the class and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Class != nil {
		errs = append(errs, e.Class)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("%d", code)
}

// classifyStatus maps an HTTP status that is not a success to an error class. A 400 is a
// conflict when Jenkins' message says the name already exists (ComputerSet.checkName:
// "Agent called ‘X’ already exists"; the XML createItem says "Node 'X' already exists").
func classifyStatus(status int, message string) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound || status == http.StatusGone:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusBadRequest && strings.Contains(strings.ToLower(message), "already exists"):
		return ErrConflict
	case status == http.StatusBadRequest, status == http.StatusMethodNotAllowed,
		status == http.StatusRequestEntityTooLarge, status == http.StatusUnsupportedMediaType,
		status == http.StatusUnprocessableEntity, status == http.StatusRequestURITooLong,
		status == http.StatusLengthRequired:
		return ErrInvalid
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return ErrUnavailable
	}
	return ErrBadResponse
}

// classifyTransport maps a failure to send a request or to read its answer. A caller's
// cancellation is not classified (errors.Is(err, context.Canceled) stays true), nor is a
// certificate that failed verification, since retrying will not help with either. A body
// cut short of its declared length is a bad response; anything else (refused, reset,
// timed out, unreachable) means Jenkins is unavailable.
func classifyTransport(err error) error {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.Is(err, context.Canceled):
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return ErrUnavailable
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ErrBadResponse
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority),
		errors.As(err, &hostname), errors.As(err, &invalid):
		return nil
	}
	return ErrUnavailable
}

// snippetLimit bounds how much of a response body an error may quote.
const snippetLimit = 160

// snippet returns a short, single-line, tag-free excerpt of a body for an error message,
// with any of the given secrets removed.
func snippet(body []byte, secrets ...string) string {
	var b strings.Builder
	inTag, space := false, false
	for _, r := range withoutScripts(string(body)) {
		switch {
		case r == '<':
			inTag = true
			continue
		case r == '>' && inTag:
			inTag = false
			space = true
			continue
		case inTag:
			continue
		case r == utf8.RuneError || r < 0x20 || r == 0x7f || r == ' ' || r == '\u00a0':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		if b.Len() > 4*snippetLimit {
			break
		}
	}
	return truncate(redact(b.String(), secrets...), snippetLimit)
}

// withoutScripts drops the content of <script> and <style> elements, which Jenkins' login
// redirect pages carry and which say nothing to a reader.
func withoutScripts(s string) string {
	for _, tag := range []string{"script", "style"} {
		for {
			lower := strings.ToLower(s)
			i := strings.Index(lower, "<"+tag)
			if i < 0 {
				break
			}
			j := strings.Index(lower[i:], "</"+tag+">")
			if j < 0 {
				s = s[:i]
				break
			}
			s = s[:i] + " " + s[i+j+len("</"+tag+">"):]
		}
	}
	return s
}

// redact removes every non-empty secret from s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
