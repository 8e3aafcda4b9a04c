package e2e_test

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// defaultChaosRuns is how many seeds TestChaos runs when BERTH_CHAOS_RUNS
// is not set. One run takes 45-95 s on two cores; three keep the whole
// go test ./... near five minutes there.
const defaultChaosRuns = 3

// Chaos scenario sizes and timings.
const (
	chaosWindow    = 40 * time.Second // faults and new builds happen in here
	chaosBuilds    = 130              // builds of the templates that can run, at least
	chaosSettle    = 3 * time.Minute  // after the faults: every build done
	chaosGrace     = 4 * time.Second  // orphanGrace of the config
	chaosIdle      = 3 * time.Second  // idleTimeout of every template
	missingCap     = 2                // instanceCap of the template whose image is missing
	firstBackoff   = 10 * time.Second // the planner's first back-off pause
	dockerSocket   = "/var/run/docker.sock"
	restartMaxWait = 2 * time.Second
	// maxPollPause is the longest pause between berth's polls while Jenkins
	// cannot be read (provisioner's maxOutageDelay).
	maxPollPause = 30 * time.Second
)

// TestChaos runs berth (the binary) through random faults while builds of
// several templates queue (inbound with the secret as a file, SSH, and
// single-use inbound with the secret on standard input), then checks what a
// Jenkins admin would:
//
//   - every build of a template whose image exists got an agent of that
//     template and finished. It SUCCEEDED, unless an injected fault took its
//     agent away while it ran: the test killed the agent's container, or the
//     Jenkins outage cut the inbound agent's connection. As in Jenkins with
//     any cloud, such a build fails (FAILURE, or ABORTED when its node was
//     deleted under it); berth does not run it again. Any other failed build
//     is an error (berth took a busy agent away);
//   - the builds of the template whose image is missing wait; berth backs off
//     (10s, 20s, 40s, ...) and never creates a container for it: its start
//     attempts per berth process stay within instanceCap (the first burst)
//     plus one per back-off pause that fits in the process's lifetime;
//   - no cap is exceeded at any observation (engine every 50 ms, nodes at
//     every change), across all berth processes;
//   - once the faults stop, every container has its node and every node its
//     container within a bounded time; idle agents are reaped; after an
//     onShutdown: remove stop nothing of the instance is left.
//
// Faults, at seeded random times: SIGKILL of berth and a restart, Jenkins
// outages (the simulator's front door closed, which also drops inbound
// agents), bursts of 5xx answers, agent containers killed, and the Docker API
// taken away through a socket proxy (refused, or accepted and never
// answered). Every run prints its seed; BERTH_CHAOS_SEED=N replays the
// schedule of one (the interleaving with berth's own timing differs).
// BERTH_CHAOS_RUNS=N runs N random seeds (default defaultChaosRuns).
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: needs the Docker engine")
	}
	for _, seed := range chaosSeeds(t) {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			start := time.Now()
			t.Logf("chaos seed %d (replay: BERTH_CHAOS_SEED=%d go test -run TestChaos ./e2e/)", seed, seed)
			t.Cleanup(func() {
				t.Logf("chaos seed %d: %s, took %s", seed, map[bool]string{true: "FAILED", false: "passed"}[t.Failed()], time.Since(start).Round(time.Second))
			})
			runChaos(t, seed)
		})
	}
}

func chaosSeeds(t *testing.T) []uint64 {
	if s := os.Getenv("BERTH_CHAOS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("BERTH_CHAOS_SEED=%q: %v", s, err)
		}
		return []uint64{seed}
	}
	runs := defaultChaosRuns
	if s := os.Getenv("BERTH_CHAOS_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("BERTH_CHAOS_RUNS=%q: want a positive number", s)
		}
		runs = n
	}
	seeds := make([]uint64, runs)
	for i := range seeds {
		var b [8]byte
		_, _ = crand.Read(b[:])
		seeds[i] = binary.LittleEndian.Uint64(b[:]) % 1_000_000_000
	}
	return seeds
}

// chaosJob is a job of the scenario and the template that must run it.
type chaosJob struct {
	spec     jenkinssim.JobSpec
	template string
}

// faultKind is one kind of injected fault.
type faultKind string

const (
	faultKillBerth  faultKind = "kill-berth"
	faultJenkinsOff faultKind = "jenkins-down"
	faultJenkins5xx faultKind = "jenkins-5xx"
	faultKillAgent  faultKind = "kill-agent"
	faultDockerCut  faultKind = "docker-cut"
)

// step is one moment of the scenario's timeline.
type step struct {
	at   time.Duration
	what string
	do   func()
}

// chaosRun is the state of one seed's run.
type chaosRun struct {
	t     *testing.T
	rng   *rand.Rand
	env   *harness.Env
	proxy *dockerProxy
	fleet *fleet
	start time.Time

	mu       sync.Mutex
	cur      *berthRun
	journal  []string
	killed   map[string]bool // nodes whose containers the test killed
	outages  [][2]time.Time  // Jenkins outages (front door closed)
	queued   map[int64]chaosJob
	missing  []int64 // queue ids of the missing template's builds
	jobIndex map[string]chaosJob
}

func (c *chaosRun) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.journal = append(c.journal, fmt.Sprintf("%7.3fs ", time.Since(c.start).Seconds())+fmt.Sprintf(format, args...))
}

func runChaos(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	env := harness.StartTest(t, "chaos")
	proxy := startDockerProxy(t, dockerSocket)
	hc := harness.Config{
		Templates: []harness.Template{
			{Name: "inb", Labels: []string{"inb"}, InstanceCap: 3, IdleTimeout: chaosIdle},
			{Name: "ssh", Labels: []string{"ssh"}, SSH: true, InstanceCap: 2, Executors: 2, IdleTimeout: chaosIdle},
			{Name: "once", Labels: []string{"once"}, SingleUse: true, InstanceCap: 2, IdleTimeout: chaosIdle, Secret: "stdin"},
			{Name: "gone", Labels: []string{"gone"}, Image: "berth-missing:never", Pull: "never", InstanceCap: missingCap, IdleTimeout: chaosIdle},
		},
		MaxContainers: 6,
		DockerHost:    proxy.host(),
		OrphanGrace:   chaosGrace,
		OnShutdown:    "remove",
	}
	yaml, err := env.ConfigYAML(hc)
	if err != nil {
		t.Fatal(err)
	}
	dur := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(rng.Int64N(int64(hi-lo)))
	}
	jobs := []chaosJob{
		{jenkinssim.JobSpec{Name: "inb-a", Label: "inb", Duration: dur(300*time.Millisecond, time.Second)}, "inb"},
		{jenkinssim.JobSpec{Name: "inb-b", Label: "inb", Duration: dur(time.Second, 2500*time.Millisecond)}, "inb"},
		{jenkinssim.JobSpec{Name: "ssh-a", Label: "ssh", Duration: dur(300*time.Millisecond, time.Second)}, "ssh"},
		{jenkinssim.JobSpec{Name: "ssh-b", Label: "ssh", Duration: dur(time.Second, 3*time.Second)}, "ssh"},
		{jenkinssim.JobSpec{Name: "once-a", Label: "once", Duration: dur(300*time.Millisecond, 1500*time.Millisecond)}, "once"},
		{jenkinssim.JobSpec{Name: "gone-a", Label: "gone", Duration: time.Second}, "gone"},
	}
	c := &chaosRun{
		t: t, rng: rng, env: env, proxy: proxy,
		killed:   map[string]bool{},
		queued:   map[int64]chaosJob{},
		jobIndex: map[string]chaosJob{},
	}
	for _, j := range jobs {
		createJobs(t, env.Sim, j.spec)
		c.jobIndex[j.spec.Name] = j
		t.Logf("job %s: label %s, %s per build", j.spec.Name, j.spec.Label, j.spec.Duration)
	}
	timeline := c.plan(jobs)
	for _, s := range timeline {
		t.Logf("planned at %6.2fs: %s", s.at.Seconds(), s.what)
	}
	w := newWatch(t, env, hc, false)
	c.fleet = newFleet(t, yaml, env.Token)
	t.Cleanup(func() {
		if t.Failed() {
			c.mu.Lock()
			t.Logf("what happened (seed %d):\n%s", seed, strings.Join(c.journal, "\n"))
			c.mu.Unlock()
		}
	})

	c.start = time.Now()
	c.cur = c.fleet.start()
	c.note("berth #%d started", c.cur.n)
	for _, s := range timeline {
		if d := time.Until(c.start.Add(s.at)); d > 0 {
			time.Sleep(d) // the schedule, not an assertion
		}
		s.do()
	}
	// Make sure every fault is over and berth runs.
	if err := env.Sim.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if err := env.Sim.FailNext(0, 500); err != nil {
		t.Fatal(err)
	}
	if err := proxy.restore(); err != nil {
		t.Fatal(err)
	}
	if !c.cur.running() {
		t.Fatalf("berth #%d ended on its own: %v", c.cur.n, c.cur.err)
	}
	faultsEnd := time.Now()
	c.note("faults over")

	ctx := context.Background()
	// Orphans are repaired: once every fault is over, containers and nodes
	// pair up within berth's longest poll pause after Jenkins failures,
	// orphanGrace, and a few cycles and removals.
	var lastMismatch string
	pairLimit := maxPollPause + chaosGrace + 15*time.Second
	if err := waitUntil(env.Sim, pairLimit, func() bool {
		m, err := mismatch(ctx, env, w)
		lastMismatch = m
		return err == nil && m == ""
	}); err != nil {
		t.Errorf("containers and nodes still do not pair up %s after the faults: %s", pairLimit, lastMismatch)
	}
	c.note("containers and nodes pair up after %s", time.Since(faultsEnd).Round(time.Millisecond))

	// Every build that can run gets an agent and finishes.
	if err := waitUntil(env.Sim, chaosSettle, func() bool { return c.pending() == "" }); err != nil {
		t.Fatalf("builds not done %s after the faults: %s", chaosSettle, c.pending())
	}
	c.note("every build that can run has run, %s after the faults", time.Since(faultsEnd).Round(time.Millisecond))
	c.checkBuilds()

	// Idle agents are reaped; the missing template's builds still wait and
	// start nothing.
	if err := waitUntil(env.Sim, time.Minute, func() bool {
		ctrs, err := env.Containers(ctx)
		if err != nil || len(ctrs) != 0 {
			return false
		}
		for _, n := range env.Sim.Nodes() {
			if w.templateOfNode(n.Name) != "" {
				return false
			}
		}
		return true
	}); err != nil {
		t.Errorf("agents not reaped within a minute of the last build: %s", leftovers(ctx, env))
	}
	c.note("idle agents reaped")
	q := inQueue(env.Sim)
	for _, id := range c.missing {
		if !q[id] {
			t.Errorf("build %d of the template whose image is missing left the queue", id)
		}
	}

	c.cur.stop(t, 2*time.Minute)
	c.note("berth #%d stopped (onShutdown: remove)", c.cur.n)
	if left := leftovers(ctx, env); left != "" {
		t.Errorf("left after onShutdown: remove: %s", left)
	}
	c.checkMissing(w)
	w.check(t)
	c.mu.Lock()
	t.Logf("what happened:\n%s", strings.Join(c.journal, "\n"))
	c.mu.Unlock()
}

// plan makes the seed's timeline: waves of builds over the window, and the
// faults, each kind at least once (berth kills and container kills more).
func (c *chaosRun) plan(jobs []chaosJob) []step {
	rng := c.rng
	var steps []step
	// Builds: the missing template's at once; the others in waves.
	steps = append(steps, step{0, "queue 4 builds of gone-a", func() {
		for i := range 4 {
			c.queueBuild(c.jobIndex["gone-a"], i)
		}
	}})
	runnable := jobs[:len(jobs)-1]
	const waves = 7
	perWave := make([][]int, waves)
	total := 0
	for i := range perWave {
		perWave[i] = make([]int, len(runnable))
		for j := range runnable {
			perWave[i][j] = 1 + rng.IntN(4)
			total += perWave[i][j]
		}
	}
	for total < chaosBuilds {
		perWave[rng.IntN(waves)][rng.IntN(len(runnable))]++
		total++
	}
	n := 100 // build parameter, unique per build
	for i := range waves {
		at := time.Duration(0)
		if i > 0 {
			at = time.Duration(rng.Int64N(int64(chaosWindow - 2*time.Second)))
		}
		var parts []string
		var batch []chaosJob
		var nums []int
		for j, k := range perWave[i] {
			parts = append(parts, fmt.Sprintf("%d×%s", k, runnable[j].spec.Name))
			for range k {
				batch = append(batch, runnable[j])
				nums = append(nums, n)
				n++
			}
		}
		steps = append(steps, step{at, "queue " + strings.Join(parts, " "), func() {
			for i, j := range batch {
				c.queueBuild(j, nums[i])
			}
		}})
	}

	// Faults.
	kinds := []faultKind{
		faultKillBerth, faultKillBerth, faultKillBerth,
		faultJenkinsOff, faultJenkinsOff,
		faultJenkins5xx, faultJenkins5xx,
		faultKillAgent, faultKillAgent, faultKillAgent,
		faultDockerCut, faultDockerCut,
	}
	for range 3 {
		kinds = append(kinds, kinds[rng.IntN(len(kinds))])
	}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	gap := (chaosWindow - 4*time.Second) / time.Duration(len(kinds))
	busyUntil := map[faultKind]time.Duration{}
	for i, k := range kinds {
		at := 3*time.Second + time.Duration(i)*gap + time.Duration(rng.Int64N(int64(gap)))
		at = max(at, busyUntil[k]+time.Second) // one outage of a kind at a time
		switch k {
		case faultKillBerth:
			wait := time.Duration(rng.Int64N(int64(restartMaxWait)))
			steps = append(steps, step{at, fmt.Sprintf("SIGKILL berth, restart after %s", wait), func() { c.killBerth(wait) }})
		case faultJenkinsOff:
			d := 2*time.Second + time.Duration(rng.Int64N(int64(4*time.Second)))
			busyUntil[k] = at + d
			steps = append(steps,
				step{at, fmt.Sprintf("Jenkins down for %s", d), func() { c.jenkinsDown(true) }},
				step{at + d, "Jenkins up", func() { c.jenkinsDown(false) }})
		case faultJenkins5xx:
			status := []int{500, 502, 503}[rng.IntN(3)]
			if rng.IntN(2) == 0 {
				count := 3 + rng.IntN(10)
				steps = append(steps, step{at, fmt.Sprintf("next %d Jenkins requests fail with %d", count, status), func() {
					c.failJenkins(count, status)
				}})
				break
			}
			// A burst in time, as a proxy in front of a restarting Jenkins
			// answers 502 for a while.
			d := time.Second + time.Duration(rng.Int64N(int64(3*time.Second)))
			busyUntil[k] = at + d
			steps = append(steps,
				step{at, fmt.Sprintf("every Jenkins request fails with %d for %s", status, d), func() { c.failJenkins(math.MaxInt32, status) }},
				step{at + d, "Jenkins answers again", func() { c.failJenkins(0, status) }})
		case faultKillAgent:
			pick := rng.Uint64()
			steps = append(steps, step{at, "kill an agent container", func() { c.killAgent(pick) }})
		case faultDockerCut:
			d := 2*time.Second + time.Duration(rng.Int64N(int64(4*time.Second)))
			mode := cutMode(rng.IntN(2))
			busyUntil[k] = at + d
			steps = append(steps,
				step{at, fmt.Sprintf("Docker API cut (%s) for %s", mode, d), func() {
					if err := c.proxy.cut(mode); err != nil {
						c.t.Error(err)
					}
					c.note("Docker API cut (%s)", mode)
				}},
				step{at + d, "Docker API back", func() {
					if err := c.proxy.restore(); err != nil {
						c.t.Error(err)
					}
					c.note("Docker API back")
				}})
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at < steps[j].at })
	return steps
}

func (c *chaosRun) queueBuild(j chaosJob, n int) {
	id := queue(c.t, c.env.Sim, j.spec.Name, n)
	c.mu.Lock()
	defer c.mu.Unlock()
	if j.template == "gone" {
		c.missing = append(c.missing, id)
		return
	}
	c.queued[id] = j
}

func (c *chaosRun) killBerth(wait time.Duration) {
	c.cur.kill(c.t)
	c.note("berth #%d killed (SIGKILL)", c.cur.n)
	time.Sleep(wait) // the schedule: berth stays down this long
	c.cur = c.fleet.start()
	c.note("berth #%d started", c.cur.n)
}

func (c *chaosRun) failJenkins(count, status int) {
	if err := c.env.Sim.FailNext(count, status); err != nil {
		c.t.Error(err)
	}
	switch count {
	case 0:
		c.note("Jenkins answers again")
	case math.MaxInt32:
		c.note("every Jenkins request fails with %d", status)
	default:
		c.note("next %d Jenkins requests fail with %d", count, status)
	}
}

func (c *chaosRun) jenkinsDown(down bool) {
	if err := c.env.Sim.SetDown(down); err != nil {
		c.t.Error(err)
	}
	c.mu.Lock()
	if down {
		c.outages = append(c.outages, [2]time.Time{time.Now(), {}})
	} else if n := len(c.outages); n > 0 {
		c.outages[n-1][1] = time.Now()
	}
	c.mu.Unlock()
	c.note("Jenkins %s", map[bool]string{true: "down", false: "up"}[down])
}

// killAgent kills one running agent container (docker kill), chosen by pick.
func (c *chaosRun) killAgent(pick uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ctrs, err := c.env.Containers(ctx)
	if err != nil {
		c.t.Errorf("list containers: %v", err)
		return
	}
	var running []int
	for i, ctr := range ctrs {
		if ctr.Running {
			running = append(running, i)
		}
	}
	if len(running) == 0 {
		c.note("kill an agent container: none running")
		return
	}
	slices.SortFunc(running, func(a, b int) int { return strings.Compare(ctrs[a].Owner.Node, ctrs[b].Owner.Node) })
	victim := ctrs[running[pick%uint64(len(running))]]
	c.mu.Lock()
	c.killed[victim.Owner.Node] = true
	c.mu.Unlock()
	if _, err := c.env.Docker.ContainerKill(ctx, victim.ID, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		c.note("kill container of %s: %v", victim.Owner.Node, err)
		return
	}
	c.note("killed the container of %s", victim.Owner.Node)
}

// pending describes the builds that can run and have not finished ("" when
// none).
func (c *chaosRun) pending() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	done := buildsByQueue(c.env.Sim)
	var out []string
	for id, j := range c.queued {
		b, ok := done[id]
		switch {
		case !ok:
			why := "not in the queue either"
			if it, ok := c.env.Sim.QueueItem(id); ok {
				why = fmt.Sprintf("%s %q", it.Class, it.Why)
			}
			out = append(out, fmt.Sprintf("%d (%s) waits: %s", id, j.spec.Name, why))
		case b.Result == "":
			out = append(out, fmt.Sprintf("%d (%s) runs on %s", id, j.spec.Name, b.Node))
		}
	}
	if len(out) == 0 {
		return ""
	}
	sort.Strings(out)
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("... %d more", len(out)-20))
	}
	return strings.Join(out, "; ")
}

// checkBuilds checks where every build ran and how it ended.
func (c *chaosRun) checkBuilds() {
	t := c.t
	c.mu.Lock()
	defer c.mu.Unlock()
	done := buildsByQueue(c.env.Sim)
	results := map[string]int{}
	perOnce := map[string]int{}
	for id, j := range c.queued {
		b := done[id]
		results[b.Result]++
		if got := templateOf(b.Node); got != j.template {
			t.Errorf("build %s #%d ran on %s, want an agent of template %s", b.Job, b.Number, b.Node, j.template)
		}
		if j.template == "once" {
			perOnce[b.Node]++
		}
		if b.Result == "SUCCESS" {
			continue
		}
		if why := c.excuse(b); why != "" {
			t.Logf("build %s #%d on %s: %s (%s)", b.Job, b.Number, b.Node, b.Result, why)
			continue
		}
		t.Errorf("build %s #%d on %s ended %s at %s, and no injected fault explains it (berth took a busy agent away?)",
			b.Job, b.Number, b.Node, b.Result, b.Finished.Format("15:04:05.000"))
	}
	twice := 0
	for _, n := range perOnce {
		if n > 1 {
			twice++
		}
	}
	t.Logf("%d builds that can run: results %v; single-use agents that ran more than one build: %d (berth takes a single-use node offline when it sees it busy, so one that was down or cut off from Jenkins during a build can miss it)",
		len(c.queued), results, twice)
}

// excuse says which injected fault explains a build that did not succeed,
// or "".
func (c *chaosRun) excuse(b jenkinssim.Build) string {
	if c.killed[b.Node] {
		return "the test killed its agent's container"
	}
	if templateOf(b.Node) == "ssh" {
		return "" // SSH agents' connections survive a Jenkins outage
	}
	for _, o := range c.outages {
		end := o[1]
		if end.IsZero() {
			end = time.Now()
		}
		if b.Result == "FAILURE" && !b.Finished.Before(o[0]) && !b.Finished.After(end.Add(time.Second)) {
			return "the Jenkins outage dropped its inbound agent"
		}
	}
	return ""
}

// checkMissing bounds the start attempts of the template whose image is
// missing, per berth process, by its back-off, and requires that no
// container was ever created for it.
func (c *chaosRun) checkMissing(w *watch) {
	t := c.t
	if n := w.creations()["gone"]; n != 0 {
		t.Errorf("%d containers created for the template whose image is missing", n)
	}
	total, reported := 0, false
	starts := map[string]int{}
	for _, r := range c.fleet.all() {
		attempts := 0
		for _, rec := range r.log.records() {
			switch rec.str("msg") {
			case "starting agent":
				starts[rec.str("template")]++
				if rec.str("template") == "gone" {
					attempts++
				}
			case "builds waiting":
				if rec.str("label") == "gone" && strings.Contains(rec.str("why"), "backing off") {
					reported = true
				}
			}
		}
		limit := missingAttemptLimit(r.lifetime())
		if attempts > limit {
			t.Errorf("berth #%d tried %d starts of the missing image in %s; its back-off allows at most %d",
				r.n, attempts, r.lifetime().Round(time.Millisecond), limit)
		}
		total += attempts
	}
	if total == 0 {
		t.Errorf("berth never tried the template whose image is missing")
	}
	if !reported {
		t.Errorf("no berth reported the missing image's builds as waiting for a back-off")
	}
	t.Logf("start attempts of the missing image over %d berth processes: %d; starts logged by template: %v", len(c.fleet.all()), total, starts)
}

// missingAttemptLimit is the most starts of a template that always fails
// that one berth process may make in its lifetime: a first burst of up to
// instanceCap, then one start per pause, the pauses doubling from 10s, so
// the kth single start comes 10s·(2^k-1) after the burst at the earliest.
func missingAttemptLimit(life time.Duration) int {
	return missingCap + int(math.Floor(math.Log2(life.Seconds()/firstBackoff.Seconds()+1)))
}

// templateOf is the template part of a node name "<template>-<6 hex>".
func templateOf(node string) string {
	i := strings.LastIndexByte(node, '-')
	if i < 0 {
		return ""
	}
	return node[:i]
}
