package provisioner

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-dev/berth/jenkins"
)

// PlaceholderName is the name of an instance's placeholder node.
//
// Jenkins drops the label from a waiting build's queue text when the
// controller has no agent nodes at all ("Waiting for next available
// executor"), and a Pipeline node('linux') step exports no label of its own.
// A provisioner that starts from zero agents would then not know what to
// start. berth therefore keeps one node that never connects and never runs a
// build (EXCLUSIVE mode, a label nothing asks for): with it, Jenkins always
// names the label in the queue.
func PlaceholderName(instance string) string { return instance + "-placeholder" }

func (e *executor) ensurePlaceholder(ctx context.Context) error {
	inst := e.cfg().Instance
	name := PlaceholderName(inst)
	err := e.jenkins().CreateInboundNode(ctx, jenkins.NodeSpec{
		Name:        name,
		Description: Describe(name, Mark{Instance: inst, Placeholder: true}),
		RemoteFS:    "/nonexistent",
		Executors:   1,
		Exclusive:   true,
	}, jenkins.InboundLauncher{WebSocket: true})
	if errors.Is(err, jenkins.ErrConflict) {
		return fmt.Errorf("a node named %q exists but carries no berth placeholder marker: rename it, or set jenkins.placeholderNode: false: %w", name, err)
	}
	return err
}
