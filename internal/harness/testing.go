package harness

import (
	"context"
	"testing"
	"time"
)

// StartTest is Start for a test: it skips under -short (the environment
// needs the Docker engine), fails the test if the environment cannot start,
// and removes every container of the run's instance when the test ends,
// failed or not.
func StartTest(t testing.TB, prefix string) *Env {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: needs the Docker engine")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err := Start(ctx, Options{InstancePrefix: prefix})
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Close(context.Background()); err != nil {
			t.Errorf("clean-up: %v", err)
		}
	})
	return env
}
