package jenkins

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDecodeComputers1000 decodes a /computer/api/json answer with
// the built-in node and 1,000 agents, each with a berth-sized description,
// three labels and two executors, in the tree berth asks for: with
// BenchmarkDecodeQueue (1,000 items), the client's CPU work per cycle on a
// large controller.
func BenchmarkDecodeComputers1000(b *testing.B) {
	desc := "Docker agent started by berth (template linux on docker host h1).\nberth:agent instance=berth template=linux host=h1 sig=" + strings.Repeat("0", 64)
	computers := []map[string]any{{
		"_class": "hudson.model.Hudson$MasterComputer", "displayName": "Built-In Node", "description": "the Jenkins controller's built-in node",
		"offline": false, "temporarilyOffline": false, "idle": true, "numExecutors": 0, "jnlpAgent": false,
		"offlineCauseReason": "", "offlineCause": nil, "assignedLabels": []map[string]any{{"name": "built-in"}}, "executors": []any{},
	}}
	for i := range 1000 {
		name := fmt.Sprintf("linux-%06x", i)
		computers = append(computers, map[string]any{
			"_class": "hudson.slaves.SlaveComputer", "displayName": name, "description": desc,
			"offline": i%10 == 1, "temporarilyOffline": false, "idle": i%10 < 2, "numExecutors": 2, "jnlpAgent": true,
			"offlineCauseReason": "", "offlineCause": nil,
			"assignedLabels": []map[string]any{{"name": "linux"}, {"name": fmt.Sprintf("pool-%d", i%20)}, {"name": "docker"}, {"name": name}},
			"executors": []map[string]any{
				{"idle": i%10 < 2, "currentExecutable": nil},
				{"idle": true, "currentExecutable": nil},
			},
		})
	}
	body, err := json.Marshal(map[string]any{"_class": "hudson.model.ComputerSet", "computer": computers})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		nodes, err := decodeComputerSet(body)
		if err != nil || len(nodes) != 1001 {
			b.Fatalf("decode: %d nodes, %v", len(nodes), err)
		}
	}
}
