package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/moby/client"
)

// PullPolicy says when EnsureImage pulls.
type PullPolicy string

const (
	PullAlways       PullPolicy = "always"       // pull every time; fail if the pull fails
	PullIfNotPresent PullPolicy = "ifNotPresent" // pull only when the image is missing
	PullNever        PullPolicy = "never"        // never pull; fail if the image is missing
)

// ParsePullPolicy reads a policy name (case-insensitive); "" means
// ifNotPresent.
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "ifnotpresent", "if-not-present", "missing":
		return PullIfNotPresent, nil
	case "always":
		return PullAlways, nil
	case "never":
		return PullNever, nil
	}
	return "", fmt.Errorf("pull policy %q: want always, ifNotPresent or never: %w", s, ErrInvalid)
}

// EnsureImage makes sure image is on the host according to policy. An image
// that cannot be had is one error naming image, host, policy and cause,
// classified ErrImageUnavailable (or ErrUnavailable when the host itself did
// not answer).
func (h *Host) EnsureImage(ctx context.Context, image string, policy PullPolicy) error {
	op := fmt.Sprintf("ensure image %s (pull policy %s)", image, policy)
	if image == "" {
		return h.opErr(op, ErrInvalid, errors.New("image name is empty"))
	}
	present := false
	if policy != PullAlways {
		err := h.call(ctx, op, func(ctx context.Context) error {
			_, err := h.cli.ImageInspect(ctx, image)
			return err
		})
		switch {
		case err == nil:
			present = true
		case errors.Is(err, ErrNotFound):
		default:
			return err
		}
	}
	switch policy {
	case PullNever:
		if present {
			return nil
		}
		return h.opErr(op, ErrImageUnavailable, errors.New("image is not on the host and the pull policy forbids pulling"))
	case PullIfNotPresent:
		if present {
			return nil
		}
	case PullAlways:
	default:
		return h.opErr(op, ErrInvalid, fmt.Errorf("unknown pull policy %q", policy))
	}
	why := "pull failed"
	if policy == PullIfNotPresent {
		why = "image is not on the host and the pull failed"
	}
	return h.pull(ctx, op, why, image)
}

// pull pulls image within PullTimeout.
func (h *Host) pull(ctx context.Context, op, why, image string) error {
	actx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	auth, err := registryAuth(actx, h.cfg.RegistryAuthFile, image)
	cancel()
	if err != nil {
		return h.opErr(op, ErrInvalid, err)
	}
	h.log.Info("pulling image", "image", image)
	err = h.callWithin(ctx, h.cfg.PullTimeout, op, func(ctx context.Context) error {
		resp, err := h.cli.ImagePull(ctx, image, client.ImagePullOptions{RegistryAuth: auth})
		if err != nil {
			return fmt.Errorf("%s: %w", why, err)
		}
		defer resp.Close()
		if err := resp.Wait(ctx); err != nil {
			return fmt.Errorf("%s: %w", why, err)
		}
		return nil
	})
	var oe *OpError
	if errors.As(err, &oe) && !errors.Is(err, context.Canceled) && !client.IsErrConnectionFailed(oe.Err) {
		// Whatever the registry said (not found, unauthorized, unreachable,
		// too slow), to berth it means the same: this image cannot be had
		// on this host. An engine that cannot be reached stays ErrUnavailable.
		oe.Class = ErrImageUnavailable
	}
	return err
}
