package dockerapi

import (
	"context"

	"github.com/moby/moby/client"
)

// Info describes a reachable engine.
type Info struct {
	ServerVersion string // e.g. "20.10.24+dfsg1"
	APIVersion    string // the negotiated API version, e.g. "1.41"
}

// Ping checks that the engine answers, negotiates the API version (the
// lower of the engine's and the client's) and reports both versions.
func (h *Host) Ping(ctx context.Context) (Info, error) {
	var info Info
	err := h.call(ctx, "ping", func(ctx context.Context) error {
		if _, err := h.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
			return err
		}
		v, err := h.cli.ServerVersion(ctx, client.ServerVersionOptions{})
		if err != nil {
			return err
		}
		info = Info{ServerVersion: v.Version, APIVersion: h.cli.ClientVersion()}
		return nil
	})
	return info, err
}
