// Package agentimage builds the Docker images that stand in for Jenkins agents in berth's
// end-to-end tests and in the demo, through the Docker Engine API (no docker CLI, nothing
// pulled). An image is made by importing a file system tar streamed from memory or disk
// (the API behind `docker import`) with its configuration given as changes: unlike the
// classic builder, this commits no intermediate container per instruction, which on this
// kind of engine is most of the time a build takes.
//
//   - TestAgent: the static berth-testagent binary alone, like a FROM scratch image (see
//     internal/testagent), tagged berth-testagent:<hash>. Entrypoint /berth-testagent; it
//     acts as jenkins/inbound-agent or jenkins/ssh-agent depending on its environment.
//   - AgentJar: the real remoting agent.jar on a jlink'ed Java runtime taken from the host
//     JDK, tagged berth-agentjar:<hash>. Its entrypoint is berth-testagent in agentjar
//     mode, which turns the jenkins/inbound-agent environment (JENKINS_URL,
//     JENKINS_AGENT_NAME, JENKINS_SECRET, JENKINS_WEB_SOCKET, ...) into agent.jar options,
//     as that image's shell script does, and then runs java, so no shell is needed.
//
// The tag is a hash of everything that goes into the image (sources and module versions
// of berth-testagent, the Go version, agent.jar, the JDK release, the recipe), so a build
// happens once per engine and content: when the tag exists the functions return at once.
// Builds on one machine are serialised by a lock file in the temporary directory, and an
// image is built under a unique temporary tag and then tagged, so concurrent callers
// (parallel test packages) never see a half-built image. Images carry the label
// io.berth.test-image (testagent or agentjar) and are left on the engine as a cache.
//
// The module root (for go build and for testdata/remoting/agent.jar) is found by walking
// up from the working directory to berth's go.mod.
package agentimage
