package jenkins

import (
	"encoding/json"
	"fmt"
	"testing"
)

// A large controller: 1000 queued items over 20 labels, 200 nodes.
func benchSnapshot() ([]QueueItem, []Node, []byte) {
	var items []QueueItem
	var raw []map[string]any
	for i := range 1000 {
		why := fmt.Sprintf("There are no nodes with the label ‘linux&&pool-%d’", i%20)
		task := placeholder
		if i%3 == 0 {
			why = fmt.Sprintf("‘agent-%d’ is offline", i%200)
			task = freestyle(fmt.Sprintf("linux && pool-%d", i%20))
		}
		items = append(items, buildable(int64(i+1), why, task))
		raw = append(raw, map[string]any{"_class": "hudson.model.Queue$BuildableItem", "id": i + 1, "why": why,
			"buildable": true, "blocked": false, "stuck": true, "pending": false, "inQueueSince": 1700000000000 + i,
			"task": map[string]any{"_class": task.Class, "name": task.Name, "labelExpression": task.LabelExpression}})
	}
	nodes := []Node{builtInNode}
	for i := range 200 {
		nodes = append(nodes, agent(fmt.Sprintf("agent-%d", i), "linux", fmt.Sprintf("pool-%d", i%20)))
	}
	body, _ := json.Marshal(map[string]any{"_class": "hudson.model.Queue", "items": raw})
	return items, nodes, body
}

func BenchmarkComputeDemand(b *testing.B) {
	items, nodes, _ := benchSnapshot()
	mem := NewLabelMemory()
	b.ReportAllocs()
	for b.Loop() {
		ComputeDemand(items, nodes, mem)
	}
}

func BenchmarkDecodeQueue(b *testing.B) {
	_, _, body := benchSnapshot()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeQueue(body); err != nil {
			b.Fatal(err)
		}
	}
}
