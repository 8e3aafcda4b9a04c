package plan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// bigCase is a large controller: 10 templates over 5 hosts, 900 berth
// agents (mostly busy, some idle, some starting), 100 static nodes, and
// 1,000 waiting builds over 20 label expressions.
func bigCase(tb testing.TB) (Snapshot, State) {
	r := rand.New(rand.NewPCG(1, 2))
	cfg := &config.Config{Instance: instance, MaxContainers: 2000, OrphanGrace: time.Minute}
	for i := range 5 {
		cfg.DockerHosts = append(cfg.DockerHosts, config.DockerHost{Name: fmt.Sprintf("h%d", i), MaxContainers: 400})
	}
	oses := []string{"linux", "windows"}
	arches := []string{"amd64", "arm64"}
	sizes := []string{"small", "medium", "large"}
	for i := range 10 {
		t := tmpl(fmt.Sprintf("t%d", i), oses[i%2], arches[(i/2)%2], sizes[i%3], "docker")
		t.InstanceCap = 150
		t.Executors = 1 + i%2
		cfg.Templates = append(cfg.Templates, t)
	}
	s := Snapshot{Now: t0, Config: cfg, NodesOK: true}
	for _, h := range cfg.DockerHosts {
		s.Hosts = append(s.Hosts, Host{Name: h.Name, Listed: true})
	}
	for i := range 900 {
		t := cfg.Templates[i%10]
		h := cfg.DockerHosts[i%5].Name
		name := fmt.Sprintf("berth-%s-%04d", t.Name, i)
		n := Node{Name: name, Labels: label.NewSet(append(append([]string{}, t.Labels...), name)...), Executors: t.Executors,
			Online: true, Busy: t.Executors, Managed: &Mark{Instance: instance, Template: t.Name, Host: h}}
		switch i % 10 {
		case 0:
			n.Busy = 0 // idle
		case 1:
			n.Online, n.Busy = false, 0 // starting
		}
		s.Nodes = append(s.Nodes, n)
		s.Containers = append(s.Containers, Container{Host: h, ID: "c" + name, Node: name, Template: t.Name,
			Created: t0.Add(-time.Duration(r.IntN(60)) * time.Second), Running: true})
	}
	for i := range 100 {
		name := fmt.Sprintf("static-%03d", i)
		s.Nodes = append(s.Nodes, Node{Name: name, Labels: label.NewSet(oses[i%2], arches[i%2], name), Executors: 2, Busy: 2, Online: true})
	}
	var exprs []string
	for _, o := range oses {
		for _, a := range arches {
			exprs = append(exprs, o+"&&"+a)
			for _, z := range sizes[:2] {
				exprs = append(exprs, o+"&&"+a+"&&"+z)
			}
		}
	}
	exprs = append(exprs, "docker", "linux||windows", "!windows&&large", "gpu", "linux&&!arm64", "windows&&large", "amd64", "arm64&&(small||medium)")
	exprs = exprs[:20]
	id := int64(1)
	for i, e := range exprs {
		expr, err := label.Parse(e)
		if err != nil {
			tb.Fatal(err)
		}
		d := Demand{Key: expr.String(), Expr: expr}
		for range 50 {
			d.Items = append(d.Items, id+int64(i))
			id += int64(len(exprs))
		}
		s.Demand = append(s.Demand, d)
	}
	// A state from an earlier cycle, as in a running daemon.
	st := Plan(s, State{Since: t0.Add(-time.Hour)}).State
	s.Now = t0.Add(time.Second)
	return s, st
}

func BenchmarkPlan1000(b *testing.B) {
	s, st := bigCase(b)
	res := Plan(s, st)
	starts := 0
	for _, a := range res.Actions {
		if a.Kind == Start {
			starts++
		}
	}
	b.ReportMetric(float64(starts), "starts")
	b.ReportAllocs()
	for b.Loop() {
		Plan(s, st)
	}
}

// BenchmarkPlan1000Warm is BenchmarkPlan1000 with two warm windows on
// every template, one of them open, the other closed.
func BenchmarkPlan1000Warm(b *testing.B) {
	s, st := bigCase(b)
	cfg := *s.Config
	cfg.Templates = slices.Clone(cfg.Templates)
	for i := range cfg.Templates {
		cfg.Templates[i].Warm = []config.Warm{
			window(b, "CRON_TZ=Europe/Berlin 0 8 * * MON-FRI", 10*time.Hour, 5),
			window(b, "0 20 * * *", time.Hour, 8),
		}
	}
	s.Config = &cfg
	res := Plan(s, st)
	if len(res.Warm) != len(cfg.Templates) {
		b.Fatalf("%d warm pools open, want %d", len(res.Warm), len(cfg.Templates))
	}
	b.ReportAllocs()
	for b.Loop() {
		Plan(s, st)
	}
}

func TestBigCaseIsMeaningful(t *testing.T) {
	s, st := bigCase(t)
	res := Plan(s, st)
	var starts, unserved int
	for _, a := range res.Actions {
		if a.Kind == Start {
			starts++
		}
	}
	for _, u := range res.Unserved {
		unserved += len(u.Items)
	}
	if starts == 0 || unserved == 0 || len(s.Nodes) != 1000 || len(s.Demand) != 20 {
		t.Errorf("benchmark case: %d starts, %d unserved, %d nodes, %d groups", starts, unserved, len(s.Nodes), len(s.Demand))
	}
	if bad := checkInvariants(s, st, res); len(bad) > 0 {
		t.Errorf("invariants: %v", bad)
	}
	t.Logf("%d actions (%d starts), %d items unserved", len(res.Actions), starts, unserved)
}
