// Package testagent is the logic of berth-testagent, a small static program that plays a
// Jenkins agent so that berth's containers can be tested end to end without Java.
//
// # Command line
//
//	berth-testagent [MODE] [ARGS...]
//	berth-testagent -version
//
// MODE is one of "inbound", "ssh" or "agentjar". When the first argument is not a mode
// name, the mode comes from the environment variable BERTH_TESTAGENT_MODE; when that is
// unset too, the program runs in ssh mode if JENKINS_AGENT_SSH_PUBKEY is set or the first
// argument is a public key, and in inbound mode otherwise. So an image whose entrypoint is
// the bare program stands in for both jenkins/inbound-agent and jenkins/ssh-agent, and the
// arguments berth gives a container are passed on unchanged.
//
// # Inbound mode
//
// Reads the environment and arguments of the jenkins/inbound-agent image, as its
// jenkins-agent script hands them to remoting: JENKINS_URL, JENKINS_SECRET,
// JENKINS_AGENT_NAME (alias JENKINS_NAME), JENKINS_WEB_SOCKET=true,
// JENKINS_AGENT_WORKDIR, and the options -url URL, -secret SECRET, -name NAME,
// -webSocket, -workDir DIR, -noReconnect, plus the positional form "-url URL SECRET NAME".
// As in remoting (args4j), any argument "@FILE" is replaced by the lines of FILE, so
// "-secret @/run/secret" reads the secret from a file. Options win over the environment.
//
// The agent opens GET {JENKINS_URL}wsagents/ as a WebSocket with the headers Node-Name,
// Secret-Key and X-Remoting-Capability (the value agent.jar sends), keeps the connection
// open, answers pings, discards what it receives, and logs one line when connected. It
// keeps the Connection-Cookie the controller returns and sends it back on reconnect, like
// agent.jar. Only WebSocket connections are supported: without -webSocket or
// JENKINS_WEB_SOCKET=true it says so and exits 2.
//
// # SSH mode
//
// Serves SSH on BERTH_TESTAGENT_SSH_ADDR or -listen ADDR (default ":22"), accepting only
// the public key in JENKINS_AGENT_SSH_PUBKEY (authorized_keys format; as in the
// jenkins/ssh-agent image, a first argument that is a public key works too) for any user
// name. The host key is read from BERTH_TESTAGENT_SSH_HOST_KEY or -hostKey PATH (default
// /etc/ssh/ssh_host_ed25519_key, OpenSSH private key format); when that file is absent an
// ed25519 key is generated and its public key printed to stderr. Session channels accept
// "exec": the commands "true" and ":" exit 0 at once, "echo ARGS" prints ARGS and exits 0,
// and every other command (such as "java -jar remoting.jar") stays running until the
// client sends EOF or closes the channel, then exits 0. "env" and "pty-req" are accepted
// and ignored; every other request and channel type is refused.
//
// # Agentjar mode
//
// The entrypoint of the image that runs the real agent.jar: it turns the
// jenkins/inbound-agent environment into remoting options exactly as that image's
// jenkins-agent script does and replaces itself with
// "java [JENKINS_JAVA_OPTS] -jar AGENT_FILE OPTIONS... ARGS...". Java is
// JENKINS_JAVA_BIN, else $JAVA_HOME/bin/java; the jar is JENKINS_AGENT_FILE, else
// /usr/share/jenkins/agent.jar.
//
// # Exit status
//
//	0    stopped by SIGTERM or SIGINT (the program is PID 1 in a scratch container and
//	     handles signals itself)
//	1    runtime failure: the controller refused the secret (HTTP 403), the connection
//	     could not be kept after the retries, the SSH listener failed
//	2    usage error: missing or contradictory settings, unsupported transport
//	255  the controller does not know the agent (HTTP 400 or 404, e.g. the node was
//	     deleted), as agent.jar exits in that case
//
// Note that agent.jar 3256.x itself exits 255 on any refused handshake, 403 included; the
// test agent keeps 1 for 403 so that tests can tell the two cases apart.
package testagent
