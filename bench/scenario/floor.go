package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// floorSample is one agent run without berth: the node exists, its build is
// queued, and the clock starts when the container is asked for.
type floorSample struct {
	Node     string
	Returned time.Duration // docker run (or create+start) returned
	Online   time.Duration // node online
	Build    time.Duration // its build started
}

// floorWay is how the floor starts a container.
type floorWay struct {
	name  string
	tag   string // in node names, which are unique in a scenario
	start func(ctx context.Context, node, secret string) error
}

// runFloor measures the floor: the engine starting the agent image for a
// node that already exists, with its secret, one at a time and in bursts.
// "cli" is the docker CLI (docker run -d --network host ...); "api" is the
// Engine API through berth's own client (create, then start), without
// Jenkins calls and without the secret file.
func runFloor(ctx context.Context, e *env, o options, rep *report) error {
	h, err := dockerapi.Dial(ctx, dockerapi.HostConfig{Name: "local", Host: "unix:///var/run/docker.sock"}, e.log)
	if err != nil {
		return err
	}
	defer h.Close()
	ways := []floorWay{
		{"docker run (CLI)", "cli", func(ctx context.Context, node, secret string) error { return e.dockerRun(ctx, node, secret) }},
		{"create+start (API)", "api", func(ctx context.Context, node, secret string) error { return e.apiRun(ctx, h, node, secret) }},
	}
	raw := map[string]any{}
	for _, w := range ways {
		rep.printf("%s, %d single runs\n\n", w.name, o.runs)
		var singles []floorSample
		var loads []load
		for i := range o.runs {
			l, err := e.waitQuiet(ctx, o.quiet)
			if err != nil {
				return err
			}
			loads = append(loads, l)
			ss, err := e.floorBurst(ctx, w, fmt.Sprintf("floor-%s-s%d", w.tag, i), 1)
			if err != nil {
				return err
			}
			singles = append(singles, ss...)
		}
		rep.floorSingles(singles)
		rep.printf("%s, %d bursts of %d at once\n\n", w.name, o.burstRuns, o.burst)
		var bursts [][]floorSample
		for r := range o.burstRuns {
			l, err := e.waitQuiet(ctx, o.quiet)
			if err != nil {
				return err
			}
			loads = append(loads, l)
			ss, err := e.floorBurst(ctx, w, fmt.Sprintf("floor-%s-b%d", w.tag, r), o.burst)
			if err != nil {
				return err
			}
			bursts = append(bursts, ss)
		}
		rep.floorBursts(bursts)
		rep.loads(loads)
		raw[w.name] = map[string]any{"singles": singles, "bursts": bursts}
	}
	rep.addRaw("floor", raw)
	return nil
}

// floorBurst creates n nodes and queues one build for each, then starts
// their n containers at once and waits for every node online and every
// build started. Containers and nodes are removed before it returns.
func (e *env) floorBurst(ctx context.Context, w floorWay, prefix string, n int) (_ []floorSample, err error) {
	nodes := make([]string, n)
	ids := make([]int64, n)
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, rerr := removeNodes(cctx, e.Docker, e.Instance, nodes); rerr != nil && err == nil {
			err = rerr
		}
		for _, name := range nodes {
			if name != "" {
				_ = e.Sim.DeleteNode(name)
			}
		}
	}()
	for i := range n {
		nodes[i] = fmt.Sprintf("%s-%02d", prefix, i)
		err := e.Sim.CreateNode(jenkinssim.NodeSpec{
			Name: nodes[i], NumExecutors: 1, Labels: floorLabel, Mode: jenkinssim.Exclusive,
			RemoteFS: "/home/jenkins/agent", Launcher: &jenkinssim.InboundLauncher{WebSocket: true},
		})
		if err != nil {
			return nil, err
		}
		if ids[i], err = e.queue(floorJob); err != nil {
			return nil, err
		}
	}
	out := make([]floorSample, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.start(ctx, nodes[i], e.Sim.InboundSecret(nodes[i]))
			out[i] = floorSample{Node: nodes[i], Returned: time.Since(t0)}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	err = e.waitFor(ctx, 3*time.Minute, "every floor build to start", func() bool {
		for _, id := range ids {
			if _, ok := e.started(id); !ok {
				return false
			}
		}
		for _, n := range nodes {
			if _, ok := e.watch.onlineAt(n); !ok {
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("%w; containers: %s", err, e.describeContainers(nodes))
	}
	byNode := map[string]time.Time{}
	for _, id := range ids {
		b, _ := e.started(id)
		byNode[b.Node] = b.Started
	}
	for i := range out {
		st, okB := byNode[nodes[i]]
		on, ok := e.onlineAt(nodes[i])
		if !ok || !okB {
			return nil, fmt.Errorf("floor node %s: online %v, build started %v", nodes[i], ok, okB)
		}
		out[i].Online, out[i].Build = on.Sub(t0), st.Sub(t0)
	}
	return out, nil
}

// agentEnv is the inbound agent's environment for node.
func (e *env) agentEnv(node, secret string) []string {
	return []string{
		"JENKINS_URL=" + e.Sim.URL(),
		"JENKINS_AGENT_NAME=" + node,
		"JENKINS_WEB_SOCKET=true",
		"JENKINS_SECRET=" + secret,
	}
}

// dockerRun is the floor as a person would type it. The command line holds
// the simulator's secret for node, so it is never logged. The container
// carries the instance label, by which env.close removes it, but not
// berth's managed label: a berth running in the same environment must not
// take it for an orphan of its own.
func (e *env) dockerRun(ctx context.Context, node, secret string) error {
	args := []string{"run", "-d", "--network", "host", "--name", node,
		"--label", dockerapi.LabelInstance + "=" + e.Instance,
		"--label", dockerapi.LabelNode + "=" + node,
	}
	for _, kv := range e.agentEnv(node, secret) {
		args = append(args, "-e", kv)
	}
	args = append(args, e.Image)
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker run for node %s: %w: %s", node, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// apiRun creates and starts the same container through berth's Engine API
// client.
func (e *env) apiRun(ctx context.Context, h *dockerapi.Host, node, secret string) error {
	id, err := h.CreateAgent(ctx, dockerapi.AgentSpec{
		Name: node, Image: e.Image, Network: "host", Env: e.agentEnv(node, secret),
		Owner: dockerapi.Owner{Instance: e.Instance, Template: "floor", Node: node, JenkinsURL: e.Sim.URL()},
	})
	if err != nil {
		return err
	}
	return h.Start(ctx, id)
}

// removeNodes force-removes the instance's containers named in nodes.
func removeNodes(ctx context.Context, cli *client.Client, instance string, nodes []string) (int, error) {
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", dockerapi.LabelInstance+"="+instance),
	})
	if err != nil {
		return 0, fmt.Errorf("list containers of instance %s: %w", instance, err)
	}
	want := map[string]bool{}
	for _, n := range nodes {
		want[n] = true
	}
	removed := 0
	for _, c := range res.Items {
		if len(c.Names) == 0 || !want[strings.TrimPrefix(c.Names[0], "/")] {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			return removed, fmt.Errorf("remove container %s: %w", c.Names[0], err)
		}
		removed++
	}
	return removed, nil
}

// describeContainers says what became of the containers of nodes (state
// and last log line), for an error message.
func (e *env) describeContainers(nodes []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	for _, n := range nodes {
		res, err := e.Docker.ContainerInspect(ctx, n, client.ContainerInspectOptions{})
		if err != nil {
			out = append(out, n+": "+err.Error())
			continue
		}
		st := res.Container.State
		line := fmt.Sprintf("%s: %s exit %d", n, st.Status, st.ExitCode)
		if logs, err := e.Docker.ContainerLogs(ctx, n, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "2"}); err == nil {
			b, _ := io.ReadAll(io.LimitReader(logs, 2048))
			_ = logs.Close()
			line += fmt.Sprintf(" (log: %q)", strings.TrimSpace(string(b)))
		}
		out = append(out, line)
	}
	return strings.Join(out, "; ")
}
