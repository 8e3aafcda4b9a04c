package provisioner

import (
	"context"
	"time"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
)

// Jenkins is what berth needs from a Jenkins controller. *jenkins.Client
// implements it; so does anything that speaks the same HTTP API.
type Jenkins interface {
	Queue(ctx context.Context) ([]jenkins.QueueItem, error)
	Nodes(ctx context.Context) ([]jenkins.Node, error)
	Node(ctx context.Context, name string) (jenkins.Node, error)
	CreateSSHNode(ctx context.Context, spec jenkins.NodeSpec, l jenkins.SSHLauncher) error
	CreateInboundNode(ctx context.Context, spec jenkins.NodeSpec, l jenkins.InboundLauncher) error
	InboundSecret(ctx context.Context, name string) (string, error)
	TakeOffline(ctx context.Context, name, message string) error
	BringOnline(ctx context.Context, name string) error
	DeleteNode(ctx context.Context, name string) error
}

// DockerHost is what berth needs from one Docker engine. *dockerapi.Host
// implements it.
type DockerHost interface {
	Name() string
	EnsureImage(ctx context.Context, image string, policy dockerapi.PullPolicy) error
	CreateAgent(ctx context.Context, spec dockerapi.AgentSpec) (string, error)
	CopyFile(ctx context.Context, id string, f dockerapi.File) error
	Start(ctx context.Context, id string) error
	StartWithInput(ctx context.Context, id string, input []byte) error
	Inspect(ctx context.Context, id string) (dockerapi.Container, error)
	List(ctx context.Context, instance string) ([]dockerapi.Container, error)
	Logs(ctx context.Context, id string, lines int) (string, error)
	Remove(ctx context.Context, id string, stop time.Duration) error
}
