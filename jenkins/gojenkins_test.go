package jenkins

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"

	"github.com/bndr/gojenkins"
)

// TestGojenkinsShortcomings keeps the evidence for client.go's decision not to build on
// github.com/bndr/gojenkins (v1.2.0). If a later version fixes these, reconsider.
func TestGojenkinsShortcomings(t *testing.T) {
	ctx := context.Background()

	t.Run("a 401 with an empty body is a success", func(t *testing.T) {
		srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
		j := gojenkins.CreateJenkins(srv.Client(), srv.URL, "u", "wrong")
		var q struct {
			Items []any `json:"items"`
		}
		resp, err := j.Requester.GetJSON(ctx, "/queue", &q, map[string]string{"tree": queueTree})
		if err != nil || resp.StatusCode != http.StatusUnauthorized || q.Items != nil {
			t.Fatalf("gojenkins now reports: %v", err)
		}
	})

	t.Run("a POST panics when Jenkins is unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		j := gojenkins.CreateJenkins(nil, "http://"+addr, "u", "p")
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			_, _ = j.Requester.Post(ctx, "/computer/x/doDelete", nil, nil, nil)
			return false
		}()
		if !panicked {
			t.Fatal("gojenkins no longer panics in SetCrumb")
		}
	})

	t.Run("CreateNode cannot set retention, mode or host key", func(t *testing.T) {
		var form map[string]any
		srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/computer/doCreateItem" {
				_ = json.Unmarshal([]byte(r.URL.Query().Get("json")), &form)
			}
			w.Write([]byte("{}"))
		})
		j := gojenkins.CreateJenkins(srv.Client(), srv.URL, "u", "p")
		_, _ = j.CreateNode(ctx, "n", 1, "", "/a", "linux", map[string]string{"method": "SSHLauncher", "host": "h"})
		if form == nil {
			t.Fatal("no doCreateItem")
		}
		_, hasRetention := form["retentionStrategy"]
		_, misspelt := form["retentionsStrategy"]
		launcher, _ := form["launcher"].(map[string]any)
		_, hostKey := launcher["sshHostKeyVerificationStrategy"]
		if hasRetention || !misspelt || form["mode"] != "NORMAL" || hostKey {
			t.Fatalf("gojenkins CreateNode changed: %v", form)
		}
	})
}
