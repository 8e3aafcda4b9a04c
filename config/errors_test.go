package config

import (
	"errors"
	"strings"
	"testing"
)

// errorCase is a config with problems and the messages they must produce.
type errorCase struct {
	name string
	yaml string
	want []string
}

// parseErrorCases is one case per class of problem; FuzzParse seeds from it.
func parseErrorCases() []errorCase {
	return []errorCase{
		// Syntax and shape.
		{"not YAML", "jenkins: [", []string{"test.yaml:1: not valid YAML: did not find expected node content"}},
		{"duplicate key", baseT + "    image: other\n", []string{`test.yaml:12: not valid YAML: mapping key "image" already defined at line 10`}},
		{"tab indent", baseT + "\t  foo: 1\n", []string{`test.yaml:11: not valid YAML: found a tab character that violates indentation`}},
		{"top level is a list", "- a\n- b\n", []string{"test.yaml:1: the file must be a mapping"}},
		{"empty file", "", []string{
			"test.yaml: jenkins: missing",
			"test.yaml: dockerHosts: missing: at least one Docker host",
			"test.yaml: templates: missing: at least one agent template"}},

		// Unknown keys, anywhere.
		{"unknown top-level key", baseT + "maxContainer: 3\n",
			[]string{`test.yaml:12: maxContainer: unknown key (did you mean "maxContainers"?)`}},
		{"unknown key, wrong case", baseT + "    instanceCAP: 3\n",
			[]string{`test.yaml:12: templates[0].instanceCAP: unknown key (keys are case-sensitive: did you mean "instanceCap"?)`}},
		{"unknown key in a template", baseT + "    idleTimout: 5m\n",
			[]string{`test.yaml:12: templates[0].idleTimout: unknown key (did you mean "idleTimeout"?)`}},
		{"unknown key in a host", baseH + "    adress: 10.0.0.1\n",
			[]string{`test.yaml:12: dockerHosts[0].adress: unknown key (did you mean "address"?)`}},
		{"unknown key in a mount", baseT + "    mounts:\n      - type: tmpfs\n        target: /tmp\n        size: 1g\n",
			[]string{`test.yaml:15: templates[0].mounts[0].size: unknown key`}},
		{"unknown key in a nested block", baseT + "    inbound:\n      websocket: true\n",
			[]string{`test.yaml:13: templates[0].inbound.websocket: unknown key (keys are case-sensitive: did you mean "webSocket"?)`}},
		{"unknown key in a merged anchor", "x: &x {foo: 1}\n" + baseT + "    <<: *x\n",
			[]string{`test.yaml:1: x: unknown key`, `test.yaml:1: templates[0].foo: unknown key`}},

		// Secrets in clear.
		{"jenkins.token", strings.Replace(baseT, "  user: berth\n", "  user: berth\n  token: s3cr3t-value\n", 1),
			[]string{`test.yaml:4: jenkins.token: a token is never written in the config file: put it in a file of mode 0600 named by jenkins.tokenFile, in the environment variable BERTH_JENKINS_TOKEN, or in the systemd credential "jenkins-token"`}},
		{"jenkins.password", strings.Replace(baseT, "  user: berth\n", "  user: berth\n  password: s3cr3t-value\n", 1),
			[]string{`test.yaml:4: jenkins.password: a password is never written in the config file: put it in a file of mode 0600 named by jenkins.passwordFile`}},

		// Wrong types.
		{"string for an int", baseT + "    executors: two\n",
			[]string{`test.yaml:12: templates[0].executors: expected an integer, got a string ("two")`}},
		{"quoted int", baseT + "    instanceCap: \"3\"\n",
			[]string{`test.yaml:12: templates[0].instanceCap: expected an integer, got a string ("3")`}},
		{"float for an int", "concurrency: 1.5\n" + baseT,
			[]string{`test.yaml:1: concurrency: expected an integer, got a number (1.5)`}},
		{"huge int", "concurrency: 99999999999\n" + baseT,
			[]string{`test.yaml:1: concurrency: integer 99999999999 is out of range`}},
		{"yes for a bool", baseT + "    singleUse: yes\n",
			[]string{`test.yaml:12: templates[0].singleUse: expected true or false, got a string ("yes")`}},
		{"string for a list", baseT + "    env: FOO=bar\n",
			[]string{`test.yaml:12: templates[0].env: expected a list, got a string ("FOO=bar")`}},
		{"map for a list (env as a map)", baseT + "    env:\n      FOO: bar\n",
			[]string{`test.yaml:13: templates[0].env: expected a list, got a mapping`}},
		{"list for a mapping", "jenkins: [a]\n" + baseT[strings.Index(baseT, "dockerHosts"):],
			[]string{`test.yaml:1: jenkins: expected a mapping of keys, got a list`}},
		{"mapping for a string", baseT + "    image2: x\n    user: {a: b}\n",
			[]string{`test.yaml:13: templates[0].user: expected a string, got a mapping`}},
		{"bool for a string", baseT + "    network: true\n",
			[]string{`test.yaml:12: templates[0].network: expected a string, got a boolean (true); put it in quotes if it is meant as text`}},
		{"octal-looking number for a string", baseT + "    user: 0755\n",
			[]string{`test.yaml:12: templates[0].user: expected a string, got an integer (0755); put it in quotes`}},
		{"date for a string", baseT + "    network: 2024-01-01\n",
			[]string{`test.yaml:12: templates[0].network: expected a string, got a date (2024-01-01)`}},
		{"null list entry", baseT + "    env: [~]\n",
			[]string{`test.yaml:12: templates[0].env[0]: expected a string, got nothing (null)`}},
		{"null template", baseT + "  - ~\n",
			[]string{`test.yaml:12: templates[1]: expected a mapping of keys, got nothing (null)`}},
		{"custom tag", baseT + "    network: !foo bar\n",
			[]string{`test.yaml:12: templates[0].network: expected a string, got a value tagged !foo`}},

		// Durations.
		{"bad duration", baseT + "    idleTimeout: 5x\n",
			[]string{`test.yaml:12: templates[0].idleTimeout: invalid duration "5x"`}},
		{"duration without unit", baseT + "    idleTimeout: 5\n",
			[]string{`test.yaml:12: templates[0].idleTimeout: invalid duration 5: give a unit, e.g. "5s"`}},
		{"negative duration", "orphanGrace: -1m\n" + baseT,
			[]string{`test.yaml:1: orphanGrace: duration -1m is negative`}},
		{"zero poll interval", strings.Replace(baseT, "  user: berth\n", "  user: berth\n  pollInterval: 0s\n", 1),
			[]string{`test.yaml:4: jenkins.pollInterval: duration must be greater than 0`}},
		{"bad host callTimeout", baseH + "    callTimeout: soon\n",
			[]string{`test.yaml:12: dockerHosts[0].callTimeout: invalid duration "soon"`}},

		// Duplicates and references.
		{"duplicate template names", baseT + "  - name: linux\n    image: x\n    launcher: inbound\n",
			[]string{`test.yaml:12: templates[1].name: duplicate template name "linux" (first used at templates[0].name, line 8)`}},
		{"duplicate host names", baseH + "  - name: local\n    host: unix:///run/docker.sock\n",
			[]string{`test.yaml:12: dockerHosts[1].name: duplicate host name "local" (first used at dockerHosts[0].name, line 10)`}},
		{"unknown host in template", baseT + "    hosts: [local, build-02]\n",
			[]string{`test.yaml:12: templates[0].hosts[1]: unknown docker host "build-02" (not a dockerHosts[].name)`}},

		// Labels.
		{"label expression", strings.Replace(baseT, "[linux]", "[linux, a&&b]", 1),
			[]string{`test.yaml:9: templates[0].labels[1]: "a&&b" is a label expression, not a single label`}},
		{"negated label", strings.Replace(baseT, "[linux]", "[\"!linux\"]", 1),
			[]string{`test.yaml:9: templates[0].labels[0]: "!linux" is a label expression`}},
		{"label with space", strings.Replace(baseT, "[linux]", "[\"linux docker\"]", 1),
			[]string{`test.yaml:9: templates[0].labels[0]: invalid label "linux docker": position 6: `}},
		{"label that does not parse", strings.Replace(baseT, "[linux]", "[\"a(\"]", 1),
			[]string{`test.yaml:9: templates[0].labels[0]: invalid label "a(": position`}},
		{"label Jenkins would quote", strings.Replace(baseT, "[linux]", "[\"a:b\"]", 1),
			[]string{`test.yaml:9: templates[0].labels[0]: label "a:b" is not a plain Jenkins label`}},
		{"quoted label", strings.Replace(baseT, "[linux]", `['"linux"']`, 1),
			[]string{`test.yaml:9: templates[0].labels[0]: label "\"linux\"" is not a plain Jenkins label`}},
		{"empty label", strings.Replace(baseT, "[linux]", `[""]`, 1),
			[]string{`test.yaml:9: templates[0].labels[0]: empty label`}},

		// Caps.
		{"negative global cap", "maxContainers: -1\n" + baseT,
			[]string{`test.yaml:1: maxContainers: cap -1 is below zero; leave the key out for no limit`}},
		{"negative host cap", baseH + "    maxContainers: -2\n",
			[]string{`test.yaml:12: dockerHosts[0].maxContainers: cap -2 is below zero`}},
		{"negative instanceCap", baseT + "    instanceCap: -5\n",
			[]string{`test.yaml:12: templates[0].instanceCap: cap -5 is below zero`}},
		{"zero executors", baseT + "    executors: 0\n",
			[]string{`test.yaml:12: templates[0].executors: 0 is too small (at least 1)`}},
		{"zero concurrency", "concurrency: 0\n" + baseT,
			[]string{`test.yaml:1: concurrency: 0 is too small (at least 1)`}},

		// Enums.
		{"unknown launcher", strings.Replace(baseT, "launcher: inbound", "launcher: jnlp", 1),
			[]string{`test.yaml:11: templates[0].launcher: unknown value "jnlp" (one of: inbound, ssh)`}},
		{"unknown pull", baseT + "    pull: IfNotPresent\n",
			[]string{`test.yaml:12: templates[0].pull: unknown value "IfNotPresent" (one of: always, ifNotPresent, never)`}},
		{"unknown mode", baseT + "    mode: EXCLUSIVE\n",
			[]string{`test.yaml:12: templates[0].mode: unknown value "EXCLUSIVE" (one of: exclusive, normal)`}},
		{"unknown inbound.secret", baseT + "    inbound:\n      secret: arg\n",
			[]string{`test.yaml:13: templates[0].inbound.secret: unknown value "arg" (one of: file, env, stdin)`}},
		{"unknown onShutdown", "onShutdown: kill\n" + baseT,
			[]string{`test.yaml:1: onShutdown: unknown value "kill" (one of: keep, drain, remove)`}},
		{"unknown mount type", baseT + "    mounts:\n      - type: nfs\n        target: /x\n",
			[]string{`test.yaml:13: templates[0].mounts[0].type: unknown value "nfs" (one of: bind, volume, tmpfs)`}},

		// Launchers.
		{"ssh without credentialsId", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      publicKey: " + testPubKey + "\n",
			[]string{`test.yaml:12: templates[0].ssh.credentialsId: missing: for launcher ssh, ssh.credentialsId`}},
		{"ssh without public key", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n",
			[]string{`test.yaml:12: templates[0].ssh: missing: launcher ssh needs the agent's public key in ssh.publicKey or ssh.publicKeyFile`}},
		{"ssh without ssh block", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1),
			[]string{`test.yaml:8: templates[0].ssh.credentialsId: missing`, `test.yaml:8: templates[0].ssh: missing: launcher ssh needs the agent's public key`}},
		{"ssh with a bad public key", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n      publicKey: ssh-ed25519 nonsense\n",
			[]string{`test.yaml:14: templates[0].ssh.publicKey: not an SSH public key in authorized_keys format`}},
		{"ssh with a private key", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n      publicKey: \"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n-----END OPENSSH PRIVATE KEY-----\"\n",
			[]string{`test.yaml:14: templates[0].ssh.publicKey: this is a private key`}},
		{"ssh with both key sources", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n      publicKey: " + testPubKey + "\n      publicKeyFile: /nonexistent.pub\n",
			[]string{`test.yaml:15: templates[0].ssh.publicKeyFile: give ssh.publicKey or ssh.publicKeyFile, not both`}},
		{"ssh port out of range", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n      publicKey: " + testPubKey + "\n      port: 70000\n",
			[]string{`test.yaml:15: templates[0].ssh.port: port 70000 is out of range`}},
		{"ssh block on an inbound template", baseT + "    ssh:\n      credentialsId: k\n",
			[]string{`test.yaml:12: templates[0].ssh: ssh settings apply to launcher: ssh only`}},
		{"inbound block on an ssh template", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n      publicKey: " + testPubKey + "\n    inbound:\n      webSocket: false\n",
			[]string{`test.yaml:15: templates[0].inbound: inbound settings apply to launcher: inbound only`}},
		{"relative secretPath", baseT + "    inbound:\n      secretPath: run/secret\n",
			[]string{`test.yaml:13: templates[0].inbound.secretPath: "run/secret" is not an absolute path`}},

		// Missing required keys.
		{"missing jenkins.url", strings.Replace(baseT, "  url: https://ci.example.com/\n", "", 1),
			[]string{`test.yaml:1: jenkins.url: missing: the Jenkins URL is required`}},
		{"missing jenkins.user", strings.Replace(baseT, "  user: berth\n", "", 1),
			[]string{`test.yaml:1: jenkins.user: missing`}},
		{"missing jenkins", baseT[strings.Index(baseT, "dockerHosts"):],
			[]string{`test.yaml: jenkins: missing: the jenkins section`}},
		{"no docker hosts", strings.Replace(baseT, "dockerHosts:\n  - name: local\n    host: unix:///var/run/docker.sock\n", "dockerHosts: []\n", 1),
			[]string{`test.yaml:4: dockerHosts: missing: at least one Docker host is required`}},
		{"no templates", baseT[:strings.Index(baseT, "templates")],
			[]string{`test.yaml: templates: missing: at least one agent template is required`}},
		{"template without image", strings.Replace(baseT, "    image: jenkins/inbound-agent\n", "", 1),
			[]string{`test.yaml:8: templates[0].image: missing: the agent image is required`}},
		{"template without name", strings.Replace(baseT, "  - name: linux\n    labels", "  - labels", 1),
			[]string{`test.yaml:8: templates[0].name: missing: a template name is required`}},
		{"template without launcher", strings.Replace(baseT, "    launcher: inbound\n", "", 1),
			[]string{`test.yaml:8: templates[0].launcher: missing: the launcher (inbound or ssh) is required`}},
		{"empty template name", strings.Replace(baseT, "name: linux", `name: ""`, 1),
			[]string{`test.yaml:8: templates[0].name: missing`}},
		{"host without host", strings.Replace(baseH, "    host: unix:///var/run/docker.sock\n", "", 1),
			[]string{`test.yaml:10: dockerHosts[0].host: missing`}},
		{"tcp host without address", strings.Replace(baseH, "unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", 1) + "    tls: {}\n",
			[]string{`test.yaml:10: dockerHosts[0].address: missing: a tcp:// host needs the address at which Jenkins reaches ports published on it`}},
		{"ssh host without address", strings.Replace(baseH, "unix:///var/run/docker.sock", "ssh://berth@build", 1),
			[]string{`test.yaml:10: dockerHosts[0].address: missing: a ssh:// host needs the address`}},

		// Names and URLs.
		{"bad template name", strings.Replace(baseT, "name: linux", "name: linux/amd64", 1),
			[]string{`test.yaml:8: templates[0].name: invalid name "linux/amd64"`}},
		{"bad instance name", "instance: my berth\n" + baseT,
			[]string{`test.yaml:1: instance: invalid name "my berth"`}},
		{"jenkins url without scheme", strings.Replace(baseT, "https://ci.example.com/", "ci.example.com", 1),
			[]string{`test.yaml:2: jenkins.url: invalid URL "ci.example.com": want http:// or https://`}},
		{"jenkins url unparsable", strings.Replace(baseT, "https://ci.example.com/", `"http://ci example.com:80x/"`, 1),
			[]string{`test.yaml:2: jenkins.url: invalid URL: `}},
		{"jenkins url with credentials", strings.Replace(baseT, "https://ci.example.com/", "https://admin:hunter2@ci.example.com/", 1),
			[]string{`test.yaml:2: jenkins.url: the URL holds credentials`}},
		{"agentUrl with query", strings.Replace(baseT, "  user: berth\n", "  user: berth\n  agentUrl: http://x/?a=b\n", 1),
			[]string{`test.yaml:4: jenkins.agentUrl: invalid URL "http://x/?a=b": no query or fragment allowed`}},
		{"docker host without scheme", strings.Replace(baseH, "unix:///var/run/docker.sock", "/var/run/docker.sock", 1),
			[]string{`test.yaml:11: dockerHosts[0].host: "/var/run/docker.sock": missing scheme (unix://, tcp:// or ssh://)`}},
		{"docker host http", strings.Replace(baseH, "unix:///var/run/docker.sock", "http://10.0.0.5:2375", 1) + "    address: 10.0.0.5\n",
			[]string{`test.yaml:11: dockerHosts[0].host: "http://10.0.0.5:2375": unsupported scheme`}},
		{"docker unix relative", strings.Replace(baseH, "unix:///var/run/docker.sock", "unix://docker.sock", 1),
			[]string{`test.yaml:11: dockerHosts[0].host: "unix://docker.sock": want unix:///absolute/path/to/docker.sock`}},
		{"docker ssh with password", strings.Replace(baseH, "unix:///var/run/docker.sock", "ssh://u:hunter2@h", 1) + "    address: h\n",
			[]string{`test.yaml:11: dockerHosts[0].host: "ssh://u:xxxxx@h": passwords in ssh:// URLs are not supported`}},
		{"address with port", baseH + "    address: 10.0.0.1:80\n",
			[]string{`test.yaml:12: dockerHosts[0].address: "10.0.0.1:80" is not a host name or IP address`}},
		{"bad publishIp", baseH + "    publishIp: localhost\n",
			[]string{`test.yaml:12: dockerHosts[0].publishIp: "localhost" is not an IP address`}},
		{"tls on a unix host", baseH + "    tls: {ca: /x}\n",
			[]string{`test.yaml:12: dockerHosts[0].tls: tls applies to tcp:// hosts only`}},
		{"tls cert without key", strings.Replace(baseH, "unix:///var/run/docker.sock", "tcp://h:2376", 1) + "    address: h\n    tls:\n      cert: /c.pem\n",
			[]string{`test.yaml:13: dockerHosts[0].tls: cert and key go together`}},
		{"ssh on a tcp host", strings.Replace(baseH, "unix:///var/run/docker.sock", "tcp://h:2376", 1) + "    address: h\n    tls: {}\n    ssh: {identityFile: /k}\n",
			[]string{`test.yaml:14: dockerHosts[0].ssh: ssh applies to ssh:// hosts only`}},
		{"negative socketGid", baseH + "    socketGid: -1\n",
			[]string{`test.yaml:12: dockerHosts[0].socketGid: group id -1 is negative`}},

		// Memory and cpus.
		{"bad memory", baseT + "    memory: 2 gigs\n",
			[]string{`test.yaml:12: templates[0].memory: invalid size "2 gigs"`}},
		{"memory below docker's minimum", baseT + "    memory: 1024\n",
			[]string{`test.yaml:12: templates[0].memory: size "1024" is below Docker's minimum of 6m`}},
		{"memory as a list", baseT + "    memory: [2g]\n",
			[]string{`test.yaml:12: templates[0].memory: expected a size such as "512m" or "2g", or a number of bytes, got a list`}},
		{"negative cpus", baseT + "    cpus: -1\n",
			[]string{`test.yaml:12: templates[0].cpus: cpus must be a positive number`}},
		{"nan cpus", baseT + "    cpus: .nan\n",
			[]string{`test.yaml:12: templates[0].cpus: cpus must be a positive number`}},

		// env and containerLabels.
		{"env without =", baseT + "    env: [FOO=1, JAVA_OPTS]\n",
			[]string{`test.yaml:12: templates[0].env[1]: expected KEY=value, found no "="`}},
		{"env without name", baseT + "    env: [\"=x\"]\n",
			[]string{`test.yaml:12: templates[0].env[0]: expected KEY=value, found no environment variable name before "="`}},
		{"env name with space", baseT + "    env: [\"MY VAR=x\"]\n",
			[]string{`test.yaml:12: templates[0].env[0]: environment variable name "MY VAR" contains white space`}},
		{"label without =", baseT + "    containerLabels:\n      - team\n",
			[]string{`test.yaml:13: templates[0].containerLabels[0]: expected KEY=value, found no "="`}},
		{"berth's own label", baseT + "    containerLabels: [io.berth.managed=false]\n",
			[]string{`test.yaml:12: templates[0].containerLabels[0]: label "io.berth.managed": names starting with "io.berth." are berth's own`}},

		// Mounts and other container settings.
		{"bind mount without source", baseT + "    mounts:\n      - type: bind\n        target: /x\n",
			[]string{`test.yaml:13: templates[0].mounts[0].source: missing: for a bind mount, the path on the Docker host is required`}},
		{"relative mount target", baseT + "    mounts:\n      - type: volume\n        target: cache\n",
			[]string{`test.yaml:14: templates[0].mounts[0].target: "cache" is not an absolute path`}},
		{"duplicate mount target", baseT + "    mounts:\n      - {type: tmpfs, target: /t}\n      - {type: tmpfs, target: /t/}\n",
			[]string{`test.yaml:14: templates[0].mounts[1].target: "/t" is already the target of templates[0].mounts[0]`}},
		{"tmpfs with source", baseT + "    mounts:\n      - {type: tmpfs, source: /x, target: /t}\n",
			[]string{`test.yaml:13: templates[0].mounts[0].source: a tmpfs mount has no source`}},
		{"bad dns", baseT + "    dns: [dns.google]\n",
			[]string{`test.yaml:12: templates[0].dns[0]: "dns.google" is not an IP address`}},
		{"bad extraHosts", baseT + "    extraHosts: [\"ci=10.0.0.1\"]\n",
			[]string{`test.yaml:12: templates[0].extraHosts[0]: "ci=10.0.0.1": want host:ip`}},
		{"extraHosts with a bad address", baseT + "    extraHosts: [\"ci:10.0.0.300\"]\n",
			[]string{`test.yaml:12: templates[0].extraHosts[0]: "ci:10.0.0.300": "10.0.0.300" is not an IP address or host-gateway`}},
		{"empty groupAdd entry", baseT + "    groupAdd: [\"\"]\n",
			[]string{`test.yaml:12: templates[0].groupAdd[0]: empty entry: expected a group name or id`}},
		{"tiny cpus", baseT + "    cpus: 0.0001\n",
			[]string{`test.yaml:12: templates[0].cpus: cpus 0.0001 is too small (at least 0.001)`}},
		{"unreadable publicKeyFile", strings.Replace(baseT, "launcher: inbound", "launcher: ssh", 1) + "    ssh:\n      credentialsId: k\n      publicKeyFile: /nonexistent/agent.pub\n",
			[]string{`test.yaml:14: templates[0].ssh.publicKeyFile: cannot read public key: open /nonexistent/agent.pub: no such file or directory`}},
		{"jenkins url with a bad port", strings.Replace(baseT, "https://ci.example.com/", "https://ci.example.com:0/", 1),
			[]string{`test.yaml:2: jenkins.url: invalid URL "https://ci.example.com:0/": bad port`}},
		{"empty user", baseT + "    user: \"\"\n",
			[]string{`test.yaml:12: templates[0].user: empty user; leave the key out for the image's user`}},
		{"bad capability", baseT + "    capAdd: [\"NET ADMIN\"]\n",
			[]string{`test.yaml:12: templates[0].capAdd[0]: "NET ADMIN" is not a capability name`}},

		// Warm windows.
		{"warm as a mapping", baseT + "    warm:\n      schedule: \"@daily\"\n",
			[]string{`test.yaml:13: templates[0].warm: expected a list, got a mapping`}},
		{"unknown key in a warm window", baseT + "    warm:\n      - {schedul: \"@daily\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedul: unknown key (did you mean "schedule"?)`}},
		{"warm window without schedule", baseT + "    warm:\n      - duration: 1h\n        idle: 1\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: missing: the schedule (cron fields such as "0 8 * * MON-FRI") is required`}},
		{"warm schedule with four fields", baseT + "    warm:\n      - {schedule: \"@daily\", duration: 1h, idle: 1}\n      - {schedule: \"0 8 * *\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:14: templates[0].warm[1].schedule: invalid schedule "0 8 * *": expected exactly 5 fields, found 4`}},
		{"warm schedule with an unknown zone", baseT + "    warm:\n      - {schedule: \"CRON_TZ=Europe/Berln 0 8 * * *\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: invalid schedule "CRON_TZ=Europe/Berln 0 8 * * *": provided bad location Europe/Berln: unknown time zone Europe/Berln`}},
		{"warm schedule with a zone and no fields", baseT + "    warm:\n      - {schedule: \"CRON_TZ=UTC\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: invalid schedule "CRON_TZ=UTC": write the zone, a space and the five cron fields`}},
		{"warm schedule with an empty zone", baseT + "    warm:\n      - {schedule: \"TZ= 0 8 * * *\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: invalid schedule "TZ= 0 8 * * *": write the zone`}},
		{"warm schedule @every", baseT + "    warm:\n      - {schedule: \"@every 1h\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: invalid schedule "@every 1h": @every has no fixed times to open a window at`}},
		{"warm schedule that never fires", baseT + "    warm:\n      - {schedule: \"0 0 30 2 *\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: schedule "0 0 30 2 *" never fires (no such date)`}},
		{"warm schedule with Sunday as 7", baseT + "    warm:\n      - {schedule: \"0 8 * * 7\", duration: 1h, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].schedule: invalid schedule "0 8 * * 7": end of range (7) above maximum (6)`}},
		{"warm window without duration", baseT + "    warm:\n      - {schedule: \"@daily\", idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].duration: missing: how long the window stays open`}},
		{"warm window of zero duration", baseT + "    warm:\n      - {schedule: \"@daily\", duration: 0s, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].duration: duration must be greater than 0`}},
		{"warm duration without unit", baseT + "    warm:\n      - {schedule: \"@daily\", duration: 10, idle: 1}\n",
			[]string{`test.yaml:13: templates[0].warm[0].duration: invalid duration 10: give a unit`}},
		{"warm window without idle", baseT + "    warm:\n      - {schedule: \"@daily\", duration: 1h}\n",
			[]string{`test.yaml:13: templates[0].warm[0].idle: missing: how many agents to keep idle`}},
		{"warm idle 0", baseT + "    warm:\n      - {schedule: \"@daily\", duration: 1h, idle: 0}\n",
			[]string{`test.yaml:13: templates[0].warm[0].idle: 0 is too small (at least 1)`}},
		{"warm idle as text", baseT + "    warm:\n      - {schedule: \"@daily\", duration: 1h, idle: two}\n",
			[]string{`test.yaml:13: templates[0].warm[0].idle: expected an integer, got a string ("two")`}},
		{"warm idle above instanceCap", baseT + "    instanceCap: 2\n    warm:\n      - schedule: \"@daily\"\n        duration: 1h\n        idle: 3\n",
			[]string{`test.yaml:16: templates[0].warm[0].idle: 3 is above the template's instanceCap 2: the pool could never fill`}},
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseErrorCases() {
		t.Run(tt.name, func(t *testing.T) {
			mustFail(t, tt.yaml, tokenEnv, tt.want...)
		})
	}
}

func TestNoCredential(t *testing.T) {
	mustFail(t, baseT, envOf(nil), `test.yaml:1: jenkins: no Jenkins API token: looked in jenkins.tokenFile (not set), `+
		`$BERTH_JENKINS_TOKEN (not set) and the systemd credential jenkins-token ($CREDENTIALS_DIRECTORY is not set); `+
		`no password either (jenkins.passwordFile, $BERTH_JENKINS_PASSWORD, credential jenkins-password)`)
}

func TestErrorType(t *testing.T) {
	_, err := Parse("test.yaml", []byte(baseT+"    idleTimeout: 5x\n"), tokenEnv)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(%v, *Error) = false", err)
	}
	if e.File != "test.yaml" || e.Line != 12 || e.Path != "templates[0].idleTimeout" || !strings.HasPrefix(e.Msg, `invalid duration "5x"`) {
		t.Errorf("Error = %+v", *e)
	}
}

// TestAllProblemsReported: one load reports every problem, not just the
// first, so a user fixes a file in one round.
func TestAllProblemsReported(t *testing.T) {
	err := mustFail(t, baseT+"    idleTimeout: 5x\n    executors: 0\n    pull: sometimes\n", tokenEnv,
		"test.yaml:12: templates[0].idleTimeout", "test.yaml:13: templates[0].executors", "test.yaml:14: templates[0].pull")
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("%d problems reported, want 3:\n%v", n, err)
	}
}

func TestTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(baseT)
	for i := range 50 {
		b.WriteString("    bad")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(": 1\n")
	}
	err := mustFail(t, b.String(), tokenEnv, "test.yaml: 20 more problems not shown")
	if n := strings.Count(err.Error(), "\n") + 1; n != maxErrors+1 {
		t.Errorf("%d lines, want %d", n, maxErrors+1)
	}
}
