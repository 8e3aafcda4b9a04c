package config

import (
	"errors"
	"net/url"
	"strings"
	"time"
)

// Defaults of dockerHosts entries.
const (
	DefaultLocalAddress = "127.0.0.1"
	DefaultPublishIP    = "0.0.0.0"
	DefaultCallTimeout  = 30 * time.Second
)

func (b *builder) hosts(rs []rawHost) []DockerHost {
	if len(rs) == 0 {
		b.p.errf("dockerHosts", "missing: at least one Docker host is required")
		return nil
	}
	names := dup{}
	hs := make([]DockerHost, 0, len(rs))
	for i := range rs {
		key := indexPath("dockerHosts", i)
		h := b.host(key, &rs[i])
		if h.Name != "" {
			b.unique(names, key+".name", "host", h.Name)
		}
		hs = append(hs, h)
	}
	return hs
}

func (b *builder) host(key string, r *rawHost) DockerHost {
	h := DockerHost{
		Name:             r.Name,
		Host:             r.Host,
		RegistryAuthFile: b.file(r.RegistryAuthFile),
		MaxContainers:    b.limit(key+".maxContainers", r.MaxContainers, "this host"),
		CallTimeout:      b.duration(key+".callTimeout", r.CallTimeout, DefaultCallTimeout, positive),
		PublishIP:        b.str(key+".publishIp", r.PublishIP, DefaultPublishIP),
		SSH: DockerSSH{
			IdentityFile:          b.file(r.SSH.IdentityFile),
			KnownHostsFile:        b.file(r.SSH.KnownHostsFile),
			InsecureIgnoreHostKey: r.SSH.InsecureIgnoreHostKey,
		},
	}
	if b.required(key+".name", r.Name, "a host name (used in logs, container labels and templates[].hosts)") {
		b.name(key+".name", r.Name)
	}
	scheme := ""
	if b.required(key+".host", r.Host, "the engine endpoint (unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host)") {
		scheme = b.engineURL(key+".host", r.Host)
	}

	switch {
	case b.p.present(key + ".address"):
		h.Address = r.Address
		b.hostOrIP(key+".address", r.Address)
	case scheme == "unix":
		h.Address = DefaultLocalAddress
	case scheme != "":
		b.p.errf(key+".address", "missing: a %s:// host needs the address at which Jenkins reaches ports published on it", scheme)
	}
	b.ip(key+".publishIp", h.PublishIP)

	if b.p.present(key + ".tls") {
		if scheme != "" && scheme != "tcp" {
			b.p.errf(key+".tls", "tls applies to tcp:// hosts only")
		}
		h.TLS = &DockerTLS{
			CA:                 b.file(r.TLS.CA),
			Cert:               b.file(r.TLS.Cert),
			Key:                b.file(r.TLS.Key),
			InsecureSkipVerify: r.TLS.InsecureSkipVerify,
		}
		if (r.TLS.Cert == "") != (r.TLS.Key == "") {
			b.p.errf(key+".tls", "cert and key go together: give both or neither")
		}
		if r.TLS.InsecureSkipVerify {
			b.p.warnf(key+".tls.insecureSkipVerify", "TLS verification of the Docker engine is off: anyone on the path can impersonate it")
		}
	} else if scheme == "tcp" {
		b.p.warnf(key+".host", "tcp:// without tls: the Docker API is unencrypted and unauthenticated, which gives root on that host to anyone who can reach it")
	}
	if b.p.present(key+".ssh") && scheme != "" && scheme != "ssh" {
		b.p.errf(key+".ssh", "ssh applies to ssh:// hosts only")
	}
	if r.SSH.InsecureIgnoreHostKey {
		b.p.warnf(key+".ssh.insecureIgnoreHostKey", "the engine's SSH host key is not checked: anyone on the path can impersonate it")
	}
	if b.p.present(key + ".socketGid") {
		if r.SocketGID < 0 {
			b.p.errf(key+".socketGid", "group id %d is negative", r.SocketGID)
		}
		gid := r.SocketGID
		h.SocketGID = &gid
	}
	return h
}

// engineURL checks a Docker engine endpoint the way dockerapi reads it and
// returns its scheme ("" if invalid). Only the redacted form is printed.
func (b *builder) engineURL(key, v string) string {
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		b.p.errf(key, "invalid URL: %v", err)
		return ""
	}
	bad := func(format string) string {
		b.p.errf(key, format, u.Redacted())
		return ""
	}
	switch u.Scheme {
	case "unix":
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		if u.Host != "" || !strings.HasPrefix(p, "/") {
			return bad("%q: want unix:///absolute/path/to/docker.sock")
		}
	case "tcp":
		if u.Hostname() == "" {
			return bad("%q: want tcp://host:port")
		}
		if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
			return bad("%q: a tcp:// URL takes no path or query")
		}
		if u.User != nil {
			return bad("%q: a tcp:// URL takes no user; use tls client certificates")
		}
		if u.Port() != "" && !validPort(u.Port()) {
			return bad("%q: bad port")
		}
	case "ssh":
		if u.Hostname() == "" {
			return bad("%q: want ssh://user@host[:port][/path/to/docker.sock]")
		}
		if _, set := u.User.Password(); set {
			return bad("%q: passwords in ssh:// URLs are not supported; use a key (ssh.identityFile)")
		}
		if u.Port() != "" && !validPort(u.Port()) {
			return bad("%q: bad port")
		}
	case "":
		return bad("%q: missing scheme (unix://, tcp:// or ssh://)")
	default:
		return bad("%q: unsupported scheme (want unix://, tcp:// or ssh://)")
	}
	return u.Scheme
}
