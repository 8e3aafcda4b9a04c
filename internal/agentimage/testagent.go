package agentimage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/moby/client"
)

// testAgentChanges is the configuration of the TestAgent image.
func testAgentChanges() []string {
	return []string{
		`ENTRYPOINT ["` + TestAgentBinaryPath + `"]`,
		"EXPOSE 22/tcp",
		"WORKDIR /home/jenkins/agent",
	}
}

// TestAgentBinaryPath is where the TestAgent and AgentJar images hold berth-testagent.
const TestAgentBinaryPath = "/berth-testagent"

// TestAgent builds (once per engine and per source content) the image of
// cmd/berth-testagent: it runs go build with CGO_ENABLED=0 in the module root, then makes
// an image holding only that binary (and a few empty directories, so that files can be
// copied into a created container) through the Engine API's image import, from an
// in-memory tar; no docker CLI. It is tagged berth-testagent:<short content hash> and
// labelled io.berth.test-image=testagent. If that tag already exists it returns at once.
// Concurrent callers are safe.
func TestAgent(ctx context.Context, cli *client.Client) (ref string, err error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	g, err := newGoTool(root)
	if err != nil {
		return "", err
	}
	src, err := g.sourceHash(ctx, TestAgentPackage)
	if err != nil {
		return "", err
	}
	var binary []byte
	r := imageRecipe{
		repo:    TestAgentRepo,
		kind:    KindTestAgent,
		hash:    hashOf(append([]string{"testagent", src, rootfsLayoutVersion}, testAgentChanges()...)...),
		changes: testAgentChanges(),
		prepare: func(ctx context.Context) (func(), error) {
			b, err := buildTestAgent(ctx, g)
			binary = b
			return func() {}, err
		},
		writeRootfs: func(_ context.Context, c *rootfsWriter) error {
			if err := agentDirs(c); err != nil {
				return err
			}
			return c.file(TestAgentBinaryPath, 0o755, binary)
		},
	}
	return ensureImage(ctx, cli, r)
}

// buildTestAgent compiles berth-testagent statically and returns the binary.
func buildTestAgent(ctx context.Context, g *goTool) ([]byte, error) {
	dir, err := os.MkdirTemp("", "berth-testagent-build-")
	if err != nil {
		return nil, fmt.Errorf("build berth-testagent: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	out := filepath.Join(dir, "berth-testagent")
	if err := g.build(ctx, TestAgentPackage, out); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read built berth-testagent: %w", err)
	}
	return data, nil
}

// rootfsLayoutVersion changes whenever the files the images hold besides their payload
// change (agentDirs, the etc files), so that the hash changes with them.
const rootfsLayoutVersion = "rootfs-1"

// agentDirs adds the directories an agent container expects.
func agentDirs(c *rootfsWriter) error {
	for _, d := range []struct {
		name string
		mode int64
	}{{"tmp", 0o1777}, {"etc/ssh", 0o755}, {"run", 0o755}, {"root", 0o700}, {"home/jenkins/agent", 0o755}} {
		if err := c.dir(d.name, d.mode); err != nil {
			return err
		}
	}
	return nil
}

// hashOf hashes its parts, each length-prefixed.
func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
