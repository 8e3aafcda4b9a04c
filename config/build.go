package config

import (
	"fmt"
	"time"
)

// Defaults of the top-level and jenkins keys (documented in
// config.example.yaml).
const (
	DefaultInstance     = "berth"
	DefaultPollInterval = time.Second
	DefaultTimeout      = 10 * time.Second
	DefaultConcurrency  = 16
	DefaultOrphanGrace  = 2 * time.Minute
	DefaultDrainTimeout = 10 * time.Minute
)

func (b *builder) build(r *rawConfig) *Config {
	c := &Config{}
	c.Instance = b.str("instance", r.Instance, DefaultInstance)
	if c.Instance == "" {
		b.p.errf("instance", "empty name")
	}
	b.name("instance", c.Instance)
	c.Jenkins = b.jenkins(&r.Jenkins)
	c.MaxContainers = b.limit("maxContainers", r.MaxContainers, "berth")
	c.Concurrency = b.atLeast("concurrency", r.Concurrency, DefaultConcurrency, 1)
	c.OrphanGrace = b.duration("orphanGrace", r.OrphanGrace, DefaultOrphanGrace, positive)
	c.OnShutdown = ShutdownPolicy(b.enum("onShutdown", r.OnShutdown, string(ShutdownKeep),
		string(ShutdownKeep), string(ShutdownDrain), string(ShutdownRemove)))
	c.DrainTimeout = b.duration("drainTimeout", r.DrainTimeout, DefaultDrainTimeout, positive)
	c.DockerHosts = b.hosts(r.DockerHosts)
	c.Templates = b.templates(r.Templates, c.DockerHosts)
	if !b.noCredentials {
		b.credentials(c)
	}
	return c
}

func (b *builder) jenkins(r *rawJenkins) Jenkins {
	j := Jenkins{
		User:            r.User,
		TokenFile:       b.file(r.TokenFile),
		PasswordFile:    b.file(r.PasswordFile),
		PollInterval:    b.duration("jenkins.pollInterval", r.PollInterval, DefaultPollInterval, positive),
		Timeout:         b.duration("jenkins.timeout", r.Timeout, DefaultTimeout, positive),
		PlaceholderNode: true,
		TLS: JenkinsTLS{
			CA:                 b.file(r.TLS.CA),
			InsecureSkipVerify: r.TLS.InsecureSkipVerify,
		},
	}
	if !b.p.present("jenkins") {
		b.p.errf("jenkins", "missing: the jenkins section (at least jenkins.url and jenkins.user) is required")
		return j
	}
	if b.required("jenkins.url", r.URL, "the Jenkins URL") {
		j.URL = b.httpURL("jenkins.url", r.URL)
	}
	j.AgentURL = j.URL
	if b.p.present("jenkins.agentUrl") {
		j.AgentURL = b.httpURL("jenkins.agentUrl", r.AgentURL)
	}
	b.required("jenkins.user", r.User, "the Jenkins user the API token belongs to")
	if b.p.present("jenkins.placeholderNode") {
		j.PlaceholderNode = r.PlaceholderNode
	}
	if j.TLS.InsecureSkipVerify {
		b.p.warnf("jenkins.tls.insecureSkipVerify", "TLS verification of the Jenkins server is off: anyone on the path can read the API token")
	}
	if (j.TLS.CA != "" || j.TLS.InsecureSkipVerify) && j.URL != "" && !hasScheme(j.URL, "https") {
		b.p.warnf("jenkins.tls", "jenkins.url is not https://, so the tls settings have no effect")
	}
	return j
}

func hasScheme(u, scheme string) bool {
	return len(u) > len(scheme)+3 && u[:len(scheme)+3] == scheme+"://"
}

// dup remembers names already seen in a list, to report duplicates with the
// place of the first one.
type dup map[string]string

func (b *builder) unique(d dup, key, what, name string) {
	if first, ok := d[name]; ok {
		where := first
		if l := b.p.lineOf(first); l > 0 {
			where = fmt.Sprintf("%s, line %d", first, l)
		}
		b.p.errf(key, "duplicate %s name %q (first used at %s)", what, name, where)
		return
	}
	d[name] = key
}
