package agentimage

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is berth's Go module path.
const ModulePath = "github.com/berth-dev/berth"

// ErrNoModuleRoot means that no directory above the working directory holds berth's go.mod.
var ErrNoModuleRoot = errors.New("berth module root not found")

// ModuleRoot walks up from the working directory to the directory whose go.mod declares
// ModulePath.
func ModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%w above %s", ErrNoModuleRoot, wd)
		}
	}
}

// modulePathOf returns the module path declared in the go.mod file at path, or "".
func modulePathOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
