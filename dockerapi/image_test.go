package dockerapi

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// missingImage lives on a registry that refuses connections at once, so
// pulls fail fast and for certain.
const missingImage = "127.0.0.1:1/berth/missing:v1"

func TestEnsureImageMissing(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "local", Host: localEngine, PullTimeout: 30 * time.Second})
	for _, tc := range []struct {
		policy PullPolicy
		cause  string // part of the cause every message must carry
	}{
		{PullNever, "forbids pulling"},
		{PullIfNotPresent, "pull"},
		{PullAlways, "pull"},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			t.Parallel()
			err := h.EnsureImage(t.Context(), missingImage, tc.policy)
			if !errors.Is(err, ErrImageUnavailable) {
				t.Fatalf("EnsureImage = %v, want ErrImageUnavailable", err)
			}
			msg := err.Error()
			for _, w := range []string{`docker host "local"`, missingImage, "pull policy " + string(tc.policy), tc.cause} {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Count(msg, "docker host") != 1 {
				t.Errorf("error is not one message: %q", msg)
			}
		})
	}
}

func TestEnsureImagePresent(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "local", Host: localEngine})
	for _, p := range []PullPolicy{PullNever, PullIfNotPresent} {
		if err := h.EnsureImage(t.Context(), testImage, p); err != nil {
			t.Errorf("EnsureImage(present, %s) = %v", p, err)
		}
	}
	// "always" must try the registry even when the image is here; the test
	// image has no registry, so that fails.
	if err := h.EnsureImage(t.Context(), testImage, PullAlways); !errors.Is(err, ErrImageUnavailable) {
		t.Errorf("EnsureImage(present, always) = %v, want ErrImageUnavailable (pull attempted)", err)
	}
}

func TestCreateWithMissingImage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := e.spec("noimage")
	spec.Image = missingImage
	_, err := e.h.CreateAgent(t.Context(), spec)
	if !errors.Is(err, ErrImageUnavailable) {
		t.Fatalf("CreateAgent = %v, want ErrImageUnavailable", err)
	}
}

func TestParsePullPolicy(t *testing.T) {
	for in, want := range map[string]PullPolicy{
		"always": PullAlways, "Always": PullAlways, "never": PullNever,
		"ifNotPresent": PullIfNotPresent, "IfNotPresent": PullIfNotPresent, "": PullIfNotPresent,
	} {
		if got, err := ParsePullPolicy(in); err != nil || got != want {
			t.Errorf("ParsePullPolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePullPolicy("sometimes"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParsePullPolicy(sometimes) = %v, want ErrInvalid", err)
	}
}
