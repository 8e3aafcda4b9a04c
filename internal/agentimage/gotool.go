package agentimage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// TestAgentPackage is the package path, relative to the module root, of the test agent.
const TestAgentPackage = "./cmd/berth-testagent"

// ErrNoGo means that the go command, needed to build berth-testagent, was not found.
var ErrNoGo = errors.New("go toolchain not found in PATH (needed to build berth-testagent)")

// goTool runs the go command in the module root with the environment of a static Linux
// build.
type goTool struct {
	bin  string
	root string
	env  []string
}

func newGoTool(root string) (*goTool, error) {
	bin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoGo, err)
	}
	env := append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	return &goTool{bin: bin, root: root, env: env}, nil
}

func (g *goTool) run(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.bin, args...)
	cmd.Dir = g.root
	cmd.Env = g.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s in %s: %w: %s", strings.Join(args, " "), g.root, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// buildFlags returns the go build flags of berth-testagent; they are part of its hash.
func buildFlags() []string { return []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"} }

// build compiles pkg into the file out.
func (g *goTool) build(ctx context.Context, pkg, out string) error {
	args := append(append([]string{"build"}, buildFlags()...), "-o", out, pkg)
	_, err := g.run(ctx, args...)
	return err
}

// listedPackage is the part of `go list -json` output that the source hash uses.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Main    bool
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// sourceHash hashes everything go build reads to build pkg, as far as it can change: the
// Go version and target, the build flags, the contents of the package's and its
// dependencies' files when they are in the main module (or replaced by a local
// directory), and the module path and version of every other dependency.
func (g *goTool) sourceHash(ctx context.Context, pkg string) (string, error) {
	ver, err := g.run(ctx, "env", "GOVERSION", "GOOS", "GOARCH")
	if err != nil {
		return "", err
	}
	out, err := g.run(ctx, "list", "-deps", "-json=ImportPath,Dir,Standard,GoFiles,EmbedFiles,Module", pkg)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "go %s\nflags %q\n", strings.Join(strings.Fields(string(ver)), " "), buildFlags())
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("parse go list output for %s: %w", pkg, err)
		}
		if p.Standard {
			continue
		}
		local := p.Module == nil || p.Module.Main || (p.Module.Replace != nil && p.Module.Replace.Version == "")
		if !local {
			fmt.Fprintf(h, "pkg %s %s@%s\n", p.ImportPath, p.Module.Path, p.Module.Version)
			continue
		}
		fmt.Fprintf(h, "pkg %s local\n", p.ImportPath)
		for _, name := range append(append([]string{}, p.GoFiles...), p.EmbedFiles...) {
			data, err := os.ReadFile(filepath.Join(p.Dir, name))
			if err != nil {
				return "", fmt.Errorf("hash source of %s: %w", p.ImportPath, err)
			}
			fmt.Fprintf(h, "file %s %d\n", name, len(data))
			h.Write(data)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}
