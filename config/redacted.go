package config

import (
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Redacted renders the effective configuration, defaults filled in, as YAML
// in the file's own keys, for `berth check`. Secrets are not in it: the
// token or password appears only as a comment saying where it came from.
// Parsing the output again (with the same environment) gives the same
// Config. Caps without a limit are left out, as in the file.
func (c *Config) Redacted() string {
	root := newMap()
	root.n.HeadComment = "effective configuration of " + c.Source
	if c.credential != "" {
		root.n.HeadComment += "\nJenkins credential: " + c.credential + " (not shown)"
	}
	root.str("instance", c.Instance)

	j := root.sub("jenkins")
	j.str("url", c.Jenkins.URL)
	j.str("agentUrl", c.Jenkins.AgentURL)
	j.str("user", c.Jenkins.User)
	j.str("tokenFile", c.Jenkins.TokenFile)
	j.str("passwordFile", c.Jenkins.PasswordFile)
	j.dur("pollInterval", c.Jenkins.PollInterval)
	j.dur("timeout", c.Jenkins.Timeout)
	if c.Jenkins.TLS != (JenkinsTLS{}) {
		tls := j.sub("tls")
		tls.str("ca", c.Jenkins.TLS.CA)
		tls.flag("insecureSkipVerify", c.Jenkins.TLS.InsecureSkipVerify)
	}
	j.boolean("placeholderNode", c.Jenkins.PlaceholderNode)

	root.limit("maxContainers", c.MaxContainers)
	root.integer("concurrency", c.Concurrency)
	root.dur("orphanGrace", c.OrphanGrace)
	root.str("onShutdown", string(c.OnShutdown))
	root.dur("drainTimeout", c.DrainTimeout)

	hosts := root.seq("dockerHosts")
	for _, h := range c.DockerHosts {
		m := newMap()
		m.str("name", h.Name)
		m.str("host", h.Host)
		m.str("address", h.Address)
		m.str("publishIp", h.PublishIP)
		m.limit("maxContainers", h.MaxContainers)
		if h.TLS != nil {
			tls := m.sub("tls")
			tls.str("ca", h.TLS.CA)
			tls.str("cert", h.TLS.Cert)
			tls.str("key", h.TLS.Key)
			tls.flag("insecureSkipVerify", h.TLS.InsecureSkipVerify)
		}
		if h.SSH != (DockerSSH{}) {
			ssh := m.sub("ssh")
			ssh.str("identityFile", h.SSH.IdentityFile)
			ssh.str("knownHostsFile", h.SSH.KnownHostsFile)
			ssh.flag("insecureIgnoreHostKey", h.SSH.InsecureIgnoreHostKey)
		}
		if h.SocketGID != nil {
			m.integer("socketGid", *h.SocketGID)
		}
		m.str("registryAuthFile", h.RegistryAuthFile)
		m.dur("callTimeout", h.CallTimeout)
		hosts.Content = append(hosts.Content, m.n)
	}

	tps := root.seq("templates")
	for _, t := range c.Templates {
		tps.Content = append(tps.Content, templateNode(&t).n)
	}

	out, err := yaml.Marshal(root.n)
	if err != nil {
		// Cannot happen for this tree of plain scalars; say so rather than panic.
		return "# cannot render the configuration: " + err.Error() + "\n"
	}
	return string(out)
}

func templateNode(t *Template) ymap {
	m := newMap()
	m.str("name", t.Name)
	m.list("labels", t.Labels)
	m.str("image", t.Image)
	m.str("pull", string(t.Pull))
	m.str("launcher", string(t.Launcher))
	switch t.Launcher {
	case LauncherInbound:
		in := m.sub("inbound")
		in.boolean("webSocket", t.Inbound.WebSocket)
		in.str("secret", string(t.Inbound.Secret))
		in.str("secretPath", t.Inbound.SecretPath)
		in.str("workDir", t.Inbound.WorkDir)
	case LauncherSSH:
		ssh := m.sub("ssh")
		ssh.str("credentialsId", t.SSH.CredentialsID)
		ssh.integer("port", t.SSH.Port)
		ssh.str("publicKey", t.SSH.PublicKey)
		ssh.str("hostKeyPath", t.SSH.HostKeyPath)
	}
	m.limit("instanceCap", t.InstanceCap)
	m.integer("executors", t.Executors)
	if t.Exclusive {
		m.str("mode", "exclusive")
	} else {
		m.str("mode", "normal")
	}
	m.str("remoteFs", t.RemoteFS)
	m.dur("idleTimeout", t.IdleTimeout)
	m.dur("launchTimeout", t.LaunchTimeout)
	m.flag("singleUse", t.SingleUse)
	if len(t.Warm) > 0 {
		ws := m.seq("warm")
		for _, w := range t.Warm {
			wm := newMap()
			wm.str("schedule", w.Spec)
			wm.dur("duration", w.Duration)
			wm.integer("idle", w.Idle)
			ws.Content = append(ws.Content, wm.n)
		}
	}
	m.list("hosts", t.Hosts)
	m.list("env", t.Env)
	m.list("containerLabels", t.ContainerLabels)
	m.list("entrypoint", t.Entrypoint)
	m.list("command", t.Command)
	if len(t.Mounts) > 0 {
		ms := m.seq("mounts")
		for _, mt := range t.Mounts {
			mm := newMap()
			mm.n.Style = yaml.FlowStyle
			mm.str("type", mt.Type)
			mm.str("source", mt.Source)
			mm.str("target", mt.Target)
			mm.flag("readOnly", mt.ReadOnly)
			ms.Content = append(ms.Content, mm.n)
		}
	}
	m.str("network", t.Network)
	m.list("dns", t.DNS)
	m.list("extraHosts", t.ExtraHosts)
	m.str("user", t.User)
	m.list("groupAdd", t.GroupAdd)
	if t.Memory > 0 {
		m.scalar("memory", "!!int", strconv.FormatInt(t.Memory, 10))
	}
	if t.CPUs > 0 {
		v, tag := strconv.FormatFloat(t.CPUs, 'g', -1, 64), "!!float"
		if float64(int64(t.CPUs)) == t.CPUs && t.CPUs < 1e15 {
			v, tag = strconv.FormatInt(int64(t.CPUs), 10), "!!int"
		}
		m.scalar("cpus", tag, v)
	}
	m.flag("privileged", t.Privileged)
	m.list("capAdd", t.CapAdd)
	m.list("capDrop", t.CapDrop)
	m.flag("dockerSocket", t.DockerSocket)
	m.dur("stopTimeout", t.StopTimeout)
	return m
}

// ymap builds a YAML mapping node key by key.
type ymap struct{ n *yaml.Node }

func newMap() ymap { return ymap{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}} }

func (m ymap) add(k string, v *yaml.Node) {
	m.n.Content = append(m.n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v)
}

func (m ymap) scalar(k, tag, v string) {
	m.add(k, &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v})
}

// str adds a string; empty strings are left out (absent and "" mean the same
// for every string key that may be empty).
func (m ymap) str(k, v string) {
	if v != "" {
		m.scalar(k, "!!str", v)
	}
}

func (m ymap) integer(k string, v int) { m.scalar(k, "!!int", strconv.Itoa(v)) }

func (m ymap) limit(k string, v int) {
	if v != NoLimit {
		m.integer(k, v)
	}
}

func (m ymap) boolean(k string, v bool) { m.scalar(k, "!!bool", strconv.FormatBool(v)) }

// flag adds a boolean that defaults to false, only when true.
func (m ymap) flag(k string, v bool) {
	if v {
		m.boolean(k, v)
	}
}

func (m ymap) dur(k string, d time.Duration) { m.scalar(k, "!!str", d.String()) }

func (m ymap) list(k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, v := range vs {
		s.Content = append(s.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
	}
	m.add(k, s)
}

func (m ymap) sub(k string) ymap {
	s := newMap()
	m.add(k, s.n)
	return s
}

func (m ymap) seq(k string) *yaml.Node {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	m.add(k, s)
	return s
}
