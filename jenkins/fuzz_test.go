package jenkins

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzQueueJSON decodes arbitrary bytes as a queue answer: an error or a value, never a
// panic; and whatever decodes can be turned into demand.
func FuzzQueueJSON(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join(fixturesDir(f), "queue"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(fixture(f, "queue/"+e.Name()))
	}
	for _, s := range []string{
		`{"items":[]}`, `{"items":null}`, `{"items":[{"id":1}]}`, `{"items":[{"id":1,"task":{"labelExpression":5}}]}`,
		`{"items":[{"id":1,"buildable":true,"why":"Waiting for next available executor on ‘a&&b’","task":{"labelExpression":"a && b"}}]}`,
		`{"items":[{"id":1,"executable":[]}]}`, `{"items":[{"id":-1,"inQueueSince":-5}]}`, `[`, `<html>`, ``, `{"items":[{"id":1e400}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := decodeQueue(body)
		if err != nil {
			if items != nil {
				t.Fatal("items with an error")
			}
		} else {
			for _, agents := range []bool{false, true} {
				for _, it := range items {
					_ = ItemWant(it, agents)
				}
			}
			mem := NewLabelMemory()
			demand, unknown := ComputeDemand(items, []Node{{Name: "a", Labels: []string{"a", "b"}}}, mem)
			n := len(unknown)
			for _, d := range demand {
				n += len(d.Items)
			}
			if n > len(items) {
				t.Fatalf("%d items in demand from %d", n, len(items))
			}
		}
		_, _ = decodeQueueItem(body)
	})
}

// FuzzComputerJSON does the same for node answers.
func FuzzComputerJSON(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join(fixturesDir(f), "computer"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(fixture(f, "computer/"+e.Name()))
	}
	f.Add([]byte(`{"computer":[{"displayName":"x","executors":[{"idle":null}],"assignedLabels":[{}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		nodes, err := decodeComputerSet(body)
		for _, n := range nodes {
			if n.Name == "" || n.BusyExecutors < 0 {
				t.Fatalf("node %+v", n)
			}
		}
		if err != nil && nodes != nil {
			t.Fatal("nodes with an error")
		}
		_, _ = decodeComputer(body)
	})
}
