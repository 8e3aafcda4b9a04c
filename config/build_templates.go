package config

import (
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// Defaults of templates entries.
const (
	DefaultRemoteFS          = "/home/jenkins/agent"
	DefaultExecutors         = 1
	DefaultIdleTimeout       = 5 * time.Minute
	DefaultLaunchTimeout     = 2 * time.Minute
	DefaultStopTimeout       = 10 * time.Second
	DefaultInboundSecretPath = "/run/berth/agent-secret"
	DefaultSSHPort           = 22
	DefaultSSHHostKeyPath    = "/etc/ssh/ssh_host_ed25519_key"
)

// reservedLabelPrefix is the prefix of the container labels berth writes
// itself (dockerapi.LabelPrefix); templates may not set them.
const reservedLabelPrefix = "io.berth."

func (b *builder) templates(rs []rawTemplate, hosts []DockerHost) []Template {
	if len(rs) == 0 {
		b.p.errf("templates", "missing: at least one agent template is required")
		return nil
	}
	hostNames := map[string]bool{}
	for _, h := range hosts {
		hostNames[h.Name] = true
	}
	names := dup{}
	ts := make([]Template, 0, len(rs))
	for i := range rs {
		key := indexPath("templates", i)
		t := b.template(key, &rs[i], hostNames)
		if t.Name != "" {
			b.unique(names, key+".name", "template", t.Name)
		}
		ts = append(ts, t)
	}
	return ts
}

func (b *builder) template(key string, r *rawTemplate, hosts map[string]bool) Template {
	t := Template{
		Name:            r.Name,
		Labels:          list(r.Labels),
		Image:           r.Image,
		Pull:            PullPolicy(b.enum(key+".pull", r.Pull, string(PullIfNotPresent), string(PullAlways), string(PullIfNotPresent), string(PullNever))),
		InstanceCap:     b.limit(key+".instanceCap", r.InstanceCap, "this template"),
		Executors:       b.atLeast(key+".executors", r.Executors, DefaultExecutors, 1),
		Exclusive:       b.enum(key+".mode", r.Mode, "exclusive", "exclusive", "normal") == "exclusive",
		RemoteFS:        b.containerPath(key+".remoteFs", r.RemoteFS, DefaultRemoteFS),
		IdleTimeout:     b.duration(key+".idleTimeout", r.IdleTimeout, DefaultIdleTimeout, nonNegative),
		LaunchTimeout:   b.duration(key+".launchTimeout", r.LaunchTimeout, DefaultLaunchTimeout, positive),
		SingleUse:       r.SingleUse,
		Hosts:           list(r.Hosts),
		Env:             list(r.Env),
		ContainerLabels: list(r.ContainerLabels),
		Entrypoint:      list(r.Entrypoint),
		Command:         list(r.Command),
		Network:         r.Network,
		DNS:             list(r.DNS),
		ExtraHosts:      list(r.ExtraHosts),
		User:            r.User,
		GroupAdd:        list(r.GroupAdd),
		Memory:          b.size(key+".memory", r.Memory),
		CPUs:            b.cpus(key+".cpus", r.CPUs),
		Privileged:      r.Privileged,
		CapAdd:          list(r.CapAdd),
		CapDrop:         list(r.CapDrop),
		DockerSocket:    r.DockerSocket,
		StopTimeout:     b.duration(key+".stopTimeout", r.StopTimeout, DefaultStopTimeout, nonNegative),
	}
	if b.required(key+".name", r.Name, "a template name") {
		b.name(key+".name", r.Name)
	}
	t.Warm = b.warm(key+".warm", r.Warm, t.InstanceCap)
	b.required(key+".image", r.Image, "the agent image")
	for i, l := range r.Labels {
		b.labelAtom(indexPath(key+".labels", i), l)
	}
	if len(r.Labels) == 0 && t.Exclusive {
		b.p.warnf(key+".labels", "no labels and mode exclusive: no build can ask for this template's agents")
	}
	for i, h := range r.Hosts {
		if !hosts[h] {
			b.p.errf(indexPath(key+".hosts", i), "unknown docker host %q (not a dockerHosts[].name)", h)
		}
	}

	switch l := Launcher(r.Launcher); {
	case !b.required(key+".launcher", r.Launcher, "the launcher (inbound or ssh)"):
	case l == LauncherInbound:
		t.Launcher = l
		t.Inbound = b.inbound(key, &r.Inbound)
		if b.p.present(key + ".ssh") {
			b.p.errf(key+".ssh", "ssh settings apply to launcher: ssh only")
		}
	case l == LauncherSSH:
		t.Launcher = l
		t.SSH = b.ssh(key, &r.SSH)
		if b.p.present(key + ".inbound") {
			b.p.errf(key+".inbound", "inbound settings apply to launcher: inbound only")
		}
	default:
		b.p.errf(key+".launcher", "unknown value %q (one of: inbound, ssh)", r.Launcher)
	}

	b.keyValues(key+".env", r.Env, "environment variable", "")
	b.keyValues(key+".containerLabels", r.ContainerLabels, "label", reservedLabelPrefix)
	t.Mounts = b.mounts(key+".mounts", r.Mounts)
	for i, d := range r.DNS {
		b.ip(indexPath(key+".dns", i), d)
	}
	for i, e := range r.ExtraHosts {
		b.extraHost(indexPath(key+".extraHosts", i), e)
	}
	b.nonEmpty(key+".groupAdd", r.GroupAdd, "a group name or id")
	b.capabilities(key+".capAdd", r.CapAdd)
	b.capabilities(key+".capDrop", r.CapDrop)
	if b.p.present(key+".user") && r.User == "" {
		b.p.errf(key+".user", "empty user; leave the key out for the image's user")
	}
	if b.p.present(key+".network") && r.Network == "" {
		b.p.errf(key+".network", "empty network; leave the key out for the engine's default bridge")
	}
	if t.DockerSocket {
		b.p.warnf(key+".dockerSocket", "the template's agents get the Docker socket: every build on them is root on the Docker host")
	}
	if t.Privileged {
		b.p.warnf(key+".privileged", "the template's agents run privileged: every build on them is root on the Docker host")
	}
	return t
}

func (b *builder) inbound(key string, r *rawInbound) Inbound {
	in := Inbound{
		WebSocket:  true,
		Secret:     SecretMode(b.enum(key+".inbound.secret", r.Secret, string(SecretFile), string(SecretFile), string(SecretEnv), string(SecretStdin))),
		SecretPath: b.containerPath(key+".inbound.secretPath", r.SecretPath, DefaultInboundSecretPath),
		WorkDir:    b.containerPath(key+".inbound.workDir", r.WorkDir, ""),
	}
	if b.p.present(key + ".inbound.webSocket") {
		in.WebSocket = r.WebSocket
	}
	if in.Secret == SecretEnv {
		b.p.warnf(key+".inbound.secret", "the agent secret goes into the container's environment, which docker inspect shows; secret: file or stdin keeps it out")
	}
	return in
}

func (b *builder) ssh(key string, r *rawSSH) SSH {
	s := SSH{
		CredentialsID: r.CredentialsID,
		Port:          b.atLeast(key+".ssh.port", r.Port, DefaultSSHPort, 1),
		HostKeyPath:   b.containerPath(key+".ssh.hostKeyPath", r.HostKeyPath, DefaultSSHHostKeyPath),
	}
	if s.Port > 65535 {
		b.p.errf(key+".ssh.port", "port %d is out of range (1-65535)", s.Port)
	}
	b.required(key+".ssh.credentialsId", r.CredentialsID, "for launcher ssh, ssh.credentialsId (the Jenkins credential holding the private key)")
	s.PublicKey = b.publicKey(key, r)
	return s
}

// list returns nil for an empty list: "key: []" and no key mean the same.
func list(vs []string) []string {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// envName is what berth accepts before the "=" of an env entry or a label:
// no white space and no "=".
var envName = regexp.MustCompile(`^[^=\s]+$`)

// keyValues checks a list of KEY=value entries. The entry's value is never
// printed: env values may be secrets.
func (b *builder) keyValues(key string, entries []string, what, reserved string) {
	for i, e := range entries {
		ek := indexPath(key, i)
		k, _, ok := strings.Cut(e, "=")
		switch {
		case !ok:
			b.p.errf(ek, "expected KEY=value, found no \"=\"")
		case k == "":
			b.p.errf(ek, "expected KEY=value, found no %s name before \"=\"", what)
		case !envName.MatchString(k):
			b.p.errf(ek, "%s name %q contains white space", what, k)
		case reserved != "" && strings.HasPrefix(k, reserved):
			b.p.errf(ek, "%s %q: names starting with %q are berth's own", what, k, reserved)
		}
	}
}

func (b *builder) mounts(key string, rs []rawMount) []Mount {
	if len(rs) == 0 {
		return nil
	}
	ms := make([]Mount, 0, len(rs))
	targets := dup{}
	for i, r := range rs {
		mk := indexPath(key, i)
		m := Mount{Type: r.Type, Source: r.Source, Target: r.Target, ReadOnly: r.ReadOnly}
		if b.required(mk+".type", r.Type, "the mount type (bind, volume or tmpfs)") {
			b.enum(mk+".type", r.Type, "", "bind", "volume", "tmpfs")
		}
		if b.required(mk+".target", r.Target, "the path inside the container") {
			m.Target = b.containerPath(mk+".target", r.Target, "")
			if strings.HasPrefix(m.Target, "/") {
				if first, ok := targets[m.Target]; ok {
					b.p.errf(mk+".target", "%q is already the target of %s", m.Target, first)
				} else {
					targets[m.Target] = mk
				}
			}
		}
		switch r.Type {
		case "bind":
			if b.required(mk+".source", r.Source, "for a bind mount, the path on the Docker host") && !strings.HasPrefix(r.Source, "/") {
				b.p.errf(mk+".source", "%q is not an absolute path on the Docker host", r.Source)
			}
		case "tmpfs":
			if r.Source != "" {
				b.p.errf(mk+".source", "a tmpfs mount has no source")
			}
		}
		ms = append(ms, m)
	}
	return ms
}

func (b *builder) extraHost(key, e string) {
	name, addr, ok := strings.Cut(e, ":")
	if !ok || name == "" {
		b.p.errf(key, "%q: want host:ip, e.g. \"ci.example.com:10.0.0.5\" or \"host.docker.internal:host-gateway\"", e)
		return
	}
	if addr == "host-gateway" {
		return
	}
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if _, err := netip.ParseAddr(addr); err != nil {
		b.p.errf(key, "%q: %q is not an IP address or host-gateway", e, addr)
	}
}

func (b *builder) nonEmpty(key string, vs []string, what string) {
	for i, v := range vs {
		if v == "" {
			b.p.errf(indexPath(key, i), "empty entry: expected %s", what)
		}
	}
}

var capName = regexp.MustCompile(`^[A-Za-z_]+$`)

func (b *builder) capabilities(key string, vs []string) {
	for i, v := range vs {
		if !capName.MatchString(v) {
			b.p.errf(indexPath(key, i), "%q is not a capability name such as NET_ADMIN or ALL", v)
		}
	}
}
