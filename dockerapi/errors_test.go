package dockerapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeEngine answers ping, and container inspect/remove with the status
// its id names ("status-404" → 404). Only the error mapping is tested this
// way; engine behaviour is tested against the real engine.
func fakeEngine(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if r.URL.Path == "/_ping" {
			fmt.Fprint(w, "OK")
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v1.41/containers/") {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusTeapot)
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1.41/containers/"), "/json")
		if r.Method == http.MethodGet && strings.HasPrefix(id, "managed-") {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"Id": id, "Name": "/" + id,
				"State":  map[string]any{"Status": "exited"},
				"Config": map[string]any{"Labels": OwnerLabels(Owner{Instance: "test-fake"})},
			})
			return
		}
		var code int
		if _, err := fmt.Sscanf(strings.TrimPrefix(id, "managed-"), "status-%d", &code); err != nil {
			http.Error(w, "bad id", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		msg := "engine says " + http.StatusText(code)
		if code == http.StatusConflict {
			msg = "removal of container " + id + " is already in progress"
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "tcp://", 1)
}

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "fake", Host: fakeEngine(t)})
	for _, tc := range []struct {
		status int
		class  error // nil: unclassified
	}{
		{http.StatusNotFound, ErrNotFound},
		{http.StatusConflict, ErrConflict},
		{http.StatusBadRequest, ErrInvalid},
		{http.StatusServiceUnavailable, ErrUnavailable},
		{http.StatusInternalServerError, nil},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			id := fmt.Sprintf("status-%d", tc.status)
			_, err := h.Inspect(t.Context(), id)
			if err == nil {
				t.Fatal("Inspect succeeded")
			}
			want := `docker host "fake": inspect container ` + id + ": "
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			var oe *OpError
			if !errors.As(err, &oe) || oe.Class != tc.class {
				t.Errorf("class = %v, want %v (err %v)", oe.Class, tc.class, err)
			}
			for _, c := range []error{ErrNotFound, ErrConflict, ErrInvalid, ErrUnavailable, ErrImageUnavailable, ErrNotManaged} {
				if errors.Is(err, c) != (c == tc.class) {
					t.Errorf("errors.Is(err, %v) = %v", c, !(c == tc.class))
				}
			}
		})
	}
}

// TestRemoveTreatsConcurrentRemovalAsDone: the engine's "removal already in
// progress" conflict means the container is going away: success.
func TestRemoveTreatsConcurrentRemovalAsDone(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "fake", Host: fakeEngine(t)})
	if err := h.Remove(t.Context(), "managed-status-409", time.Second); err != nil {
		t.Errorf("Remove = %v, want nil", err)
	}
	if err := h.Remove(t.Context(), "managed-status-500", time.Second); err == nil {
		t.Error("Remove with an engine failure succeeded")
	}
}
