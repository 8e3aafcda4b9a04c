package testagent

import (
	"runtime/debug"
	"strings"
)

// Version describes the running build: module version, VCS revision when known, and the
// Go version.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "berth-testagent (unknown build)"
	}
	parts := []string{"berth-testagent", info.Main.Version}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			parts = append(parts, s.Value[:12])
		}
	}
	return strings.Join(append(parts, info.GoVersion), " ")
}
