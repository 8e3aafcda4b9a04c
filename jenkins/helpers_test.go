package jenkins

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixturesDir finds the captured Jenkins responses: $BERTH_JENKINS_FIXTURES, or
// testdata/jenkins-fixtures under the module root (the directory holding go.mod).
func fixturesDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("BERTH_JENKINS_FIXTURES"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatalf("no go.mod above %s", wd)
		}
		root = parent
	}
	dir := filepath.Join(root, "testdata", "jenkins-fixtures")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("Jenkins fixtures not found at %s: %v", dir, err)
	}
	return dir
}

// fixture reads one fixture file.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// apibBody extracts the "+ Body" block of an API Blueprint recording (12-space indent).
func apibBody(t testing.TB, data []byte) []byte {
	t.Helper()
	var out []string
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in:
			in = strings.TrimSpace(line) == "+ Body"
		case strings.HasPrefix(line, strings.Repeat(" ", 12)):
			out = append(out, line[12:])
		case strings.TrimSpace(line) == "":
			out = append(out, "")
		default:
			in = false
		}
	}
	body := strings.TrimRight(strings.Join(out, "\n"), "\n ")
	if body == "" {
		t.Fatal("no + Body block")
	}
	return []byte(strings.TrimLeft(body, "\n") + "\n")
}

// apibHeaders extracts the response headers of an API Blueprint recording.
func apibHeaders(data []byte) map[string]string {
	h := map[string]string{}
	resp := bytes.Index(data, []byte("+ Response"))
	if resp < 0 {
		return h
	}
	rest := data[resp:]
	start := bytes.Index(rest, []byte("+ Headers"))
	end := bytes.Index(rest, []byte("+ Body"))
	if start < 0 || end < start {
		return h
	}
	for _, line := range strings.Split(string(rest[start+len("+ Headers"):end]), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ": "); ok {
			h[k] = v
		}
	}
	return h
}

// headerFile parses a "Key: Value" per line file.
func headerFile(data []byte) map[string]string {
	h := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ": "); ok {
			h[k] = v
		}
	}
	return h
}
