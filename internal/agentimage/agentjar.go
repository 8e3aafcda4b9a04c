package agentimage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"
)

// ErrNoJDK means that no jlink was found (neither $JAVA_HOME/bin/jlink nor jlink in PATH),
// so the AgentJar image cannot be built.
var ErrNoJDK = errors.New("no JDK with jlink found (set JAVA_HOME or put jlink in PATH)")

// ErrNoAgentJar means that agent.jar was not found at $BERTH_AGENT_JAR or, when that is
// unset, at testdata/remoting/agent.jar in the module root.
var ErrNoAgentJar = errors.New("agent.jar not found")

// AgentJarEnv names the environment variable that points at agent.jar.
const AgentJarEnv = "BERTH_AGENT_JAR"

// Paths inside the AgentJar image.
const (
	AgentJarJavaHome = "/opt/java"
	AgentJarFile     = "/usr/share/jenkins/agent.jar"
)

// jlinkModules are the Java modules agent.jar needs.
const jlinkModules = "java.base,java.logging,java.xml,java.management,java.naming,java.net.http,java.desktop," +
	"java.sql,java.scripting,java.instrument,jdk.crypto.ec,jdk.unsupported,jdk.zipfs,java.security.jgss,jdk.net"

// jlinkArgs returns the jlink options besides --output; they are part of the hash.
func jlinkArgs() []string {
	return []string{"--add-modules", jlinkModules, "--strip-debug", "--no-header-files", "--no-man-pages", "--compress=2"}
}

// agentJarChanges is the configuration of the AgentJar image: berth-testagent in
// agentjar mode turns the inbound-agent environment into agent.jar options and runs java.
func agentJarChanges() []string {
	return []string{
		`ENTRYPOINT ["` + TestAgentBinaryPath + `"]`,
		"ENV JAVA_HOME=" + AgentJarJavaHome,
		"ENV PATH=" + AgentJarJavaHome + "/bin",
		"ENV BERTH_TESTAGENT_MODE=agentjar",
		"ENV HOME=/root",
		"WORKDIR /home/jenkins",
	}
}

// etcFiles are small files that glibc and Java look for.
const (
	etcPasswd        = "root:x:0:0:root:/root:/sbin/nologin\njenkins:x:1000:1000:Jenkins:/home/jenkins:/sbin/nologin\n"
	etcGroup         = "root:x:0:\njenkins:x:1000:\n"
	etcNsswitch      = "passwd: files\ngroup: files\nhosts: files dns\n"
	agentJarEtcFiles = etcPasswd + etcGroup + etcNsswitch
)

// AgentJar builds an image running the real remoting agent.jar ($BERTH_AGENT_JAR, else
// testdata/remoting/agent.jar in the module root) on a Java runtime made with jlink from
// the host JDK, plus the shared libraries ldd lists for it. Its entrypoint is
// berth-testagent in agentjar mode, which accepts the jenkins/inbound-agent image's
// environment and arguments and runs java -jar /usr/share/jenkins/agent.jar with them.
// Tagged berth-agentjar:<hash>, labelled io.berth.test-image=agentjar; if the tag exists
// it returns at once. Returns an error wrapping ErrNoJDK when jlink is not found and
// ErrNoAgentJar when agent.jar is not.
func AgentJar(ctx context.Context, cli *client.Client) (ref string, err error) {
	javaHome, err := findJDK()
	if err != nil {
		return "", err
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	jar, err := findAgentJar(root)
	if err != nil {
		return "", err
	}
	jarHash, err := fileHash(jar)
	if err != nil {
		return "", err
	}
	release, err := os.ReadFile(filepath.Join(javaHome, "release"))
	if err != nil {
		return "", fmt.Errorf("read JDK release file: %w", err)
	}
	g, err := newGoTool(root)
	if err != nil {
		return "", err
	}
	src, err := g.sourceHash(ctx, TestAgentPackage)
	if err != nil {
		return "", err
	}

	var work string // temporary directory with the runtime and the binary
	var libs []string
	r := imageRecipe{
		repo: AgentJarRepo,
		kind: KindAgentJar,
		hash: hashOf(append([]string{"agentjar", jarHash, string(release), strings.Join(jlinkArgs(), " "), src,
			rootfsLayoutVersion, agentJarEtcFiles}, agentJarChanges()...)...),
		changes: agentJarChanges(),
		prepare: func(ctx context.Context) (func(), error) {
			dir, err := os.MkdirTemp("", "berth-agentjar-build-")
			if err != nil {
				return nil, fmt.Errorf("build agent.jar image: %w", err)
			}
			cleanup := func() { _ = os.RemoveAll(dir) }
			work = dir
			jre := filepath.Join(dir, "jre")
			if err := runJlink(ctx, javaHome, jre); err != nil {
				cleanup()
				return nil, err
			}
			if libs, err = sharedLibraries(ctx, jre); err != nil {
				cleanup()
				return nil, err
			}
			if err := g.build(ctx, TestAgentPackage, filepath.Join(dir, "berth-testagent")); err != nil {
				cleanup()
				return nil, err
			}
			return cleanup, nil
		},
		writeRootfs: func(_ context.Context, c *rootfsWriter) error {
			steps := []func() error{
				func() error { return agentDirs(c) },
				func() error { return c.file("etc/passwd", 0o644, []byte(etcPasswd)) },
				func() error { return c.file("etc/group", 0o644, []byte(etcGroup)) },
				func() error { return c.file("etc/nsswitch.conf", 0o644, []byte(etcNsswitch)) },
				func() error { return c.fileFrom(TestAgentBinaryPath, filepath.Join(work, "berth-testagent")) },
				func() error { return c.fileFrom(AgentJarFile, jar) },
				func() error { return c.tree(AgentJarJavaHome, filepath.Join(work, "jre")) },
			}
			for _, lib := range libs {
				steps = append(steps, func() error { return c.fileFrom(filepath.ToSlash(lib), lib) })
			}
			for _, step := range steps {
				if err := step(); err != nil {
					return err
				}
			}
			return nil
		},
	}
	return ensureImage(ctx, cli, r)
}

// findJDK returns the home of the JDK whose jlink is $JAVA_HOME/bin/jlink or, failing
// that, the jlink in PATH (symbolic links resolved).
func findJDK() (string, error) {
	candidates := []string{}
	if home := os.Getenv("JAVA_HOME"); home != "" {
		candidates = append(candidates, filepath.Join(home, "bin", "jlink"))
	}
	if p, err := exec.LookPath("jlink"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		resolved, err := filepath.EvalSymlinks(c)
		if err != nil {
			continue
		}
		if st, err := os.Stat(resolved); err == nil && st.Mode()&0o111 != 0 {
			return filepath.Dir(filepath.Dir(resolved)), nil
		}
	}
	return "", ErrNoJDK
}

// findAgentJar returns $BERTH_AGENT_JAR if set, else root/testdata/remoting/agent.jar.
func findAgentJar(root string) (string, error) {
	p := os.Getenv(AgentJarEnv)
	if p == "" {
		p = filepath.Join(root, "testdata", "remoting", "agent.jar")
	}
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%w at %s (set %s)", ErrNoAgentJar, p, AgentJarEnv)
	}
	return filepath.Clean(p), nil
}

func fileHash(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// runJlink makes a Java runtime with jlinkModules at out.
func runJlink(ctx context.Context, javaHome, out string) error {
	jlink := filepath.Join(javaHome, "bin", "jlink")
	args := append(jlinkArgs(), "--output", out)
	b, err := exec.CommandContext(ctx, jlink, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", jlink, strings.Join(args, " "), err, strings.TrimSpace(string(b)))
	}
	return nil
}

// sharedLibraries runs ldd on the runtime's java launcher and on every shared object in
// it, and returns the host libraries they need (the dynamic loader included), outside
// the runtime itself.
func sharedLibraries(ctx context.Context, jre string) ([]string, error) {
	files := []string{filepath.Join(jre, "bin", "java")}
	err := filepath.WalkDir(filepath.Join(jre, "lib"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".so") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list shared objects in %s: %w", jre, err)
	}
	// ldd exits non-zero when some listed dependency is missing (libjvm.so, which the
	// launcher loads itself); its output is still complete.
	out, err := exec.CommandContext(ctx, "ldd", files...).Output()
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("ldd on %s: %w", jre, err)
	}
	return parseLdd(string(out), jre), nil
}

// parseLdd returns the absolute library paths in ldd output, once each and in order of
// appearance, leaving out those under skipDir.
func parseLdd(out, skipDir string) []string {
	seen := map[string]bool{}
	var libs []string
	skip := filepath.Clean(skipDir) + string(filepath.Separator)
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		var p string
		if _, after, ok := strings.Cut(line, "=>"); ok {
			p = strings.TrimSpace(after)
		} else {
			p = line
		}
		if i := strings.Index(p, " ("); i >= 0 {
			p = p[:i]
		}
		if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, ":") {
			continue
		}
		p = filepath.Clean(p)
		if strings.HasPrefix(p, skip) || seen[p] {
			continue
		}
		seen[p] = true
		libs = append(libs, p)
	}
	return libs
}
