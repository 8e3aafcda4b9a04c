package testagent

import (
	"fmt"
	"os"
	"strings"
)

// expandAtFiles replaces every argument "@FILE" by the lines of FILE, as remoting's
// command line parser (args4j) does; this is how "-secret @/path" reads a secret from a
// file. A final newline does not make an extra empty argument. Errors name the file only:
// its content may be a secret.
func expandAtFiles(args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if len(a) < 2 || a[0] != '@' {
			out = append(out, a)
			continue
		}
		path := a[1:]
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, usageError(fmt.Errorf("read argument file %s: %w", path, err))
		}
		text := strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
		out = append(out, strings.Split(text, "\n")...)
	}
	return out, nil
}
