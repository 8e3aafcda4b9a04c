package dockerapi

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// TestForeignContainerIsNeitherListedNorRemoved: a container without
// io.berth.managed=true is invisible to List and Remove refuses it, even
// when it is running and carries berth's instance label.
func TestForeignContainerIsNeitherListedNorRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	res, err := e.h.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: "foreign-" + e.instance,
		Config: &container.Config{
			Image: testImage,
			Cmd:   []string{"sleep"},
			// The instance label lets the test cleanup find it; without
			// io.berth.managed=true it is not berth's.
			Labels: map[string]string{LabelInstance: e.instance, "io.berth.test": "dockerapi"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	foreign := res.ID
	if _, err := e.h.cli.ContainerStart(ctx, foreign, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	ours := e.create(e.spec("ours", "sleep"))

	list, err := e.h.List(ctx, e.instance)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 1 || list[0].ID != ours {
		t.Errorf("List = %+v, want only %s", list, ours)
	}

	err = e.h.Remove(ctx, foreign, time.Second)
	if !errors.Is(err, ErrNotManaged) {
		t.Fatalf("Remove(foreign) = %v, want ErrNotManaged", err)
	}
	if !strings.Contains(err.Error(), `docker host "local"`) || !strings.Contains(err.Error(), "remove container") {
		t.Errorf("error does not name host and call: %v", err)
	}
	c, err := e.h.Inspect(ctx, foreign)
	if err != nil || !c.Running || c.Managed() {
		t.Errorf("foreign container after refused Remove: %+v, %v; want untouched and running", c, err)
	}
}

func TestCreateNameConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := e.spec("dup", "sleep")
	e.create(spec)
	_, err := e.h.CreateAgent(t.Context(), spec)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("second CreateAgent = %v, want ErrConflict", err)
	}
	if !strings.Contains(err.Error(), `docker host "local": create container `+spec.Name+":") {
		t.Errorf("error does not name host and call: %v", err)
	}
}

// TestCreateRefusesBadSpecs: no request reaches the engine for a spec
// berth could not own or that is malformed.
func TestCreateRefusesBadSpecs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, mutate := range map[string]func(*AgentSpec){
		"no instance":          func(s *AgentSpec) { s.Owner.Instance = "" },
		"no name":              func(s *AgentSpec) { s.Name = "" },
		"no image":             func(s *AgentSpec) { s.Image = "" },
		"reserved label":       func(s *AgentSpec) { s.Labels[LabelManaged] = "false" },
		"reserved label, case": func(s *AgentSpec) { s.Labels["IO.BERTH.INSTANCE"] = "x" },
		"bad DNS":              func(s *AgentSpec) { s.DNS = []string{"not-an-ip"} },
		"bad mount type":       func(s *AgentSpec) { s.Mounts = []Mount{{Type: "nfs", Target: "/x"}} },
		"relative bind":        func(s *AgentSpec) { s.Mounts = []Mount{{Type: "bind", Source: "rel", Target: "/x"}} },
		"bad env":              func(s *AgentSpec) { s.Env = []string{"=x"} },
		"bad publish IP":       func(s *AgentSpec) { s.Publish = &Publish{HostIP: "localhost"} },
	} {
		t.Run(name, func(t *testing.T) {
			spec := e.spec("bad", "sleep")
			mutate(&spec)
			_, err := e.h.CreateAgent(t.Context(), spec)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CreateAgent = %v, want ErrInvalid", err)
			}
		})
	}
	if list, err := e.h.List(t.Context(), e.instance); err != nil || len(list) != 0 {
		t.Errorf("List = %v, %v; want nothing created", list, err)
	}
}

func TestRemoveUnknownContainerIsSuccess(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "local", Host: localEngine})
	if err := h.Remove(t.Context(), "berth-no-such-container-"+randomID(), time.Second); err != nil {
		t.Errorf("Remove(unknown) = %v, want nil", err)
	}
	if _, err := h.Inspect(t.Context(), "berth-no-such-container-"+randomID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Inspect(unknown) = %v, want ErrNotFound", err)
	}
}
