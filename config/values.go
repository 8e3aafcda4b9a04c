package config

import (
	"errors"
	"math"
	"net/netip"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/berth-dev/berth/jenkins/label"
)

// builder turns the decoded raw settings into a Config, applying defaults
// and checking values. Problems go to p, keyed by path.
type builder struct {
	p   *problems
	env func(string) string
	// dir is the config file's directory: relative file names are taken
	// relative to it.
	dir string
	// noCredentials skips finding the Jenkins token or password (for
	// commands that never talk to Jenkins).
	noCredentials bool
}

// str returns v, or def when the key is absent.
func (b *builder) str(key, v, def string) string {
	if !b.p.present(key) {
		return def
	}
	return v
}

// required reports a missing or empty key and returns false.
func (b *builder) required(key, v, what string) bool {
	if b.p.present(key) && v != "" {
		return true
	}
	b.p.errf(key, "missing: %s is required", what)
	return false
}

// durationBound says what a duration may be besides positive.
type durationBound int

const (
	positive    durationBound = iota // > 0
	nonNegative                      // >= 0
)

func (b *builder) duration(key, v string, def time.Duration, bound durationBound) time.Duration {
	if !b.p.present(key) {
		return def
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		b.p.errf(key, `invalid duration %q (use a number with a unit: "90s", "5m", "1h30m")`, v)
	case d < 0:
		b.p.errf(key, "duration %s is negative", v)
	case d == 0 && bound == positive:
		b.p.errf(key, "duration must be greater than 0")
	}
	return d
}

// limit reads a cap: absent is NoLimit, 0 is zero (warned about).
func (b *builder) limit(key string, v int, what string) int {
	if !b.p.present(key) {
		return NoLimit
	}
	switch {
	case v < 0:
		b.p.errf(key, "cap %d is below zero; leave the key out for no limit", v)
	case v == 0:
		b.p.warnf(key, "cap is 0: %s will never start an agent", what)
	}
	return v
}

// atLeast reads an integer with a default and a lower bound.
func (b *builder) atLeast(key string, v, def, lo int) int {
	if !b.p.present(key) {
		return def
	}
	if v < lo {
		b.p.errf(key, "%d is too small (at least %d)", v, lo)
	}
	return v
}

// enum reads one of allowed, or def when absent.
func (b *builder) enum(key, v, def string, allowed ...string) string {
	if !b.p.present(key) {
		return def
	}
	if !slices.Contains(allowed, v) {
		b.p.errf(key, "unknown value %q (one of: %s)", v, strings.Join(allowed, ", "))
	}
	return v
}

// namePattern is what instance, host and template names may be: they end up
// in Jenkins node names, container names and labels.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

func (b *builder) name(key, v string) {
	if v != "" && !namePattern.MatchString(v) {
		b.p.errf(key, "invalid name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters", v)
	}
}

// file resolves a file name on this machine relative to the config file.
func (b *builder) file(v string) string {
	if v == "" || filepath.IsAbs(v) {
		return v
	}
	return filepath.Join(b.dir, v)
}

// containerPath reads an absolute path inside a container, with a default.
func (b *builder) containerPath(key, v, def string) string {
	if !b.p.present(key) {
		return def
	}
	if !strings.HasPrefix(v, "/") {
		b.p.errf(key, "%q is not an absolute path", v)
		return v
	}
	return path.Clean(v)
}

// httpURL reads an http(s) URL. The URL is never echoed if it holds
// credentials.
func (b *builder) httpURL(key, v string) string {
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		b.p.errf(key, "invalid URL: %v", err)
		return v
	}
	switch {
	case u.User != nil:
		b.p.errf(key, "the URL holds credentials: give the user in jenkins.user and the token in a token file")
	case u.Scheme != "http" && u.Scheme != "https":
		b.p.errf(key, "invalid URL %q: want http:// or https://", v)
	case u.Host == "" || u.Hostname() == "":
		b.p.errf(key, "invalid URL %q: no host", v)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		b.p.errf(key, "invalid URL %q: no query or fragment allowed", v)
	case u.Port() != "" && !validPort(u.Port()):
		b.p.errf(key, "invalid URL %q: bad port", v)
	}
	return strings.TrimRight(v, "/")
}

func validPort(s string) bool {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return false
		}
	}
	return s != "" && n > 0
}

var hostNamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)

// hostOrIP checks a bare host name or IP address (no scheme, no port).
func (b *builder) hostOrIP(key, v string) {
	if _, err := netip.ParseAddr(v); err == nil {
		return
	}
	if len(v) <= 253 && hostNamePattern.MatchString(v) {
		return
	}
	b.p.errf(key, "%q is not a host name or IP address (give no scheme and no port)", v)
}

func (b *builder) ip(key, v string) {
	if _, err := netip.ParseAddr(v); err != nil {
		b.p.errf(key, "%q is not an IP address", v)
	}
}

// size reads a memory size: "512m", "2g" (binary units) or bytes.
func (b *builder) size(key, v string) int64 {
	if !b.p.present(key) {
		return 0
	}
	n, err := units.RAMInBytes(v)
	switch {
	case err != nil:
		b.p.errf(key, "invalid size %q (use bytes or a unit: \"512m\", \"2g\")", v)
	case n < minMemory:
		b.p.errf(key, "size %q is below Docker's minimum of 6m; leave the key out for no limit", v)
	}
	return n
}

// minMemory is the smallest memory limit the Docker engine accepts.
const minMemory = 6 * units.MiB

func (b *builder) cpus(key string, v float64) float64 {
	if !b.p.present(key) {
		return 0
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > 1e6 {
		b.p.errf(key, "cpus must be a positive number of cores such as 0.5 or 2; leave the key out for no limit")
		return 0
	}
	if v*1e9 < 1e6 {
		b.p.errf(key, "cpus %g is too small (at least 0.001)", v)
	}
	return v
}

// labelAtom checks that s is one Jenkins label that needs no quoting: what
// a node's labelString holds and what Jenkins prints bare in queue texts.
func (b *builder) labelAtom(key, s string) {
	e, err := label.Parse(s)
	if err != nil {
		var pe *label.ParseError
		if errors.As(err, &pe) {
			b.p.errf(key, "invalid label %q: position %d: %s", s, pe.Pos, pe.Msg)
		} else {
			b.p.errf(key, "invalid label %q: %v", s, err)
		}
		return
	}
	if e == nil {
		b.p.errf(key, "empty label")
		return
	}
	if atoms := e.Atoms(); len(atoms) != 1 || e.String() != atoms[0] {
		b.p.errf(key, "%q is a label expression, not a single label (give each label as its own list entry)", s)
		return
	}
	if label.Expression(e) != s {
		b.p.errf(key, "label %q is not a plain Jenkins label: write it without quotes or surrounding white space, "+
			"and without white space or any of ?*/\\%%!@#$^&|<>[]:; inside (Jenkins would have to quote it)", s)
	}
}
