package plan

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestActionLogValue(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	log.Info("plan", "action", Action{Kind: Retire, Template: "linux", Host: "h1", Node: "berth-1", Reason: "idle 5m0s ≥ idleTimeout 5m0s"})
	got := strings.TrimSpace(buf.String())
	want := `level=INFO msg=plan action.kind=retire action.template=linux action.host=h1 action.node=berth-1 action.reason="idle 5m0s ≥ idleTimeout 5m0s"`
	if got != want {
		t.Errorf("log line\n got %s\nwant %s", got, want)
	}
}
