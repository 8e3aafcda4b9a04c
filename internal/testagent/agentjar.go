package testagent

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// DefaultAgentFile is where the jenkins/inbound-agent image keeps agent.jar.
const DefaultAgentFile = "/usr/share/jenkins/agent.jar"

// AgentJarCommand returns the command line the jenkins/inbound-agent image's
// jenkins-agent script would run for args and the environment getenv: java, its options,
// "-jar AGENT_FILE", the remoting options taken from the environment, REMOTING_OPTS (split
// on white space), then args. warnings holds what the script would warn about. When args
// is a single word that is not an option, it is the command to run instead, as in the
// script.
func AgentJarCommand(args []string, getenv func(string) string) (argv, warnings []string) {
	if len(args) == 1 && !strings.HasPrefix(args[0], "-") {
		return []string{args[0]}, nil
	}
	joined := strings.Join(args, " ")
	opt := func(name, value string) []string {
		if value == "" {
			return nil
		}
		return []string{name, value}
	}
	var tunnel, workDir, secret, name []string
	if !strings.Contains(joined, "-tunnel ") {
		tunnel = opt("-tunnel", getenv("JENKINS_TUNNEL"))
	}
	if wd := getenv("JENKINS_AGENT_WORKDIR"); wd != "" {
		if strings.Contains(joined, "-workDir") {
			warnings = append(warnings, "Work directory is defined twice in command-line arguments and the environment variable")
		} else {
			workDir = opt("-workDir", wd)
		}
	}
	agentName := getenv("JENKINS_AGENT_NAME")
	if n := getenv("JENKINS_NAME"); n != "" {
		agentName = n
	}
	var webSocket []string
	if getenv("JENKINS_WEB_SOCKET") == "true" {
		webSocket = []string{"-webSocket"}
	}
	javaBin := getenv("JENKINS_JAVA_BIN")
	if javaBin == "" {
		javaBin = "java"
		if home := getenv("JAVA_HOME"); home != "" {
			javaBin = home + "/bin/java"
		}
	}
	javaOpts := getenv("JENKINS_JAVA_OPTS")
	if javaOpts == "" {
		javaOpts = getenv("JAVA_OPTS")
	}
	agentFile := getenv("JENKINS_AGENT_FILE")
	if agentFile == "" {
		agentFile = DefaultAgentFile
	}
	if s := getenv("JENKINS_SECRET"); s != "" {
		if strings.Contains(joined, s) {
			warnings = append(warnings, "SECRET is defined twice in command-line arguments and the environment variable")
		} else {
			secret = opt("-secret", s)
		}
	}
	if agentName != "" {
		if strings.Contains(joined, agentName) {
			warnings = append(warnings, "AGENT_NAME is defined twice in command-line arguments and the environment variable")
		} else {
			name = opt("-name", agentName)
		}
	}

	argv = append([]string{javaBin}, strings.Fields(javaOpts)...)
	argv = append(argv, "-jar", agentFile)
	for _, part := range [][]string{
		secret, name, tunnel,
		opt("-url", getenv("JENKINS_URL")), workDir, webSocket,
		opt("-direct", getenv("JENKINS_DIRECT_CONNECTION")),
		opt("-protocols", getenv("JENKINS_PROTOCOLS")),
		opt("-instanceIdentity", getenv("JENKINS_INSTANCE_IDENTITY")),
		strings.Fields(getenv("REMOTING_OPTS")),
		args,
	} {
		argv = append(argv, part...)
	}
	return argv, warnings
}

// ExecAgentJar replaces the current process with the command AgentJarCommand builds from
// args and the process environment. It returns only on failure.
func ExecAgentJar(args []string, logger *slog.Logger) error {
	argv, warnings := AgentJarCommand(args, os.Getenv)
	for _, w := range warnings {
		logger.Warn(w)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return usageError(fmt.Errorf("find %s: %w", argv[0], err))
	}
	err = syscall.Exec(path, argv, os.Environ())
	return &ExitError{Code: ExitFailure, Err: fmt.Errorf("exec %s: %w", path, err)}
}
