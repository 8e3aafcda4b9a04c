package testagent

import (
	"slices"
	"strings"
	"testing"
)

func TestAgentJarCommand(t *testing.T) {
	berthEnv := map[string]string{
		"JENKINS_URL": "http://127.0.0.1:8080/", "JENKINS_AGENT_NAME": "node-1", "JENKINS_WEB_SOCKET": "true",
		"JAVA_HOME": "/opt/java",
	}
	tests := []struct {
		name         string
		args         []string
		env          map[string]string
		want         string
		wantWarnings int
	}{
		{name: "berth form", args: []string{"-secret", "@/run/berth/secret"}, env: berthEnv,
			want: "/opt/java/bin/java -jar /usr/share/jenkins/agent.jar -name node-1 -url http://127.0.0.1:8080/ -webSocket -secret @/run/berth/secret"},
		{name: "secret and workdir in env, java options", env: merge(berthEnv, map[string]string{
			"JENKINS_SECRET": "abc", "JENKINS_AGENT_WORKDIR": "/w", "JENKINS_JAVA_OPTS": "-Xmx64m -Dx=y",
			"JENKINS_AGENT_FILE": "/agent.jar", "REMOTING_OPTS": "-noReconnect",
		}),
			want: "/opt/java/bin/java -Xmx64m -Dx=y -jar /agent.jar -secret abc -name node-1 -url http://127.0.0.1:8080/ -workDir /w -webSocket -noReconnect"},
		{name: "duplicates warned, not repeated", args: []string{"-name", "node-1", "-workDir", "/x"},
			env:          merge(berthEnv, map[string]string{"JENKINS_AGENT_WORKDIR": "/w", "JENKINS_JAVA_BIN": "/usr/bin/java"}),
			want:         "/usr/bin/java -jar /usr/share/jenkins/agent.jar -url http://127.0.0.1:8080/ -webSocket -name node-1 -workDir /x",
			wantWarnings: 2},
		{name: "no java home", args: []string{"-version"}, want: "java -jar /usr/share/jenkins/agent.jar -version"},
		{name: "single command word", args: []string{"/bin/true"}, env: berthEnv, want: "/bin/true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argv, warnings := AgentJarCommand(tt.args, envMap(tt.env))
			if got := strings.Join(argv, " "); got != tt.want {
				t.Errorf("argv\n got %s\nwant %s", got, tt.want)
			}
			if len(warnings) != tt.wantWarnings {
				t.Errorf("warnings %q, want %d", warnings, tt.wantWarnings)
			}
			if slices.Contains(argv, "") {
				t.Errorf("argv has an empty element: %q", argv)
			}
		})
	}
}
