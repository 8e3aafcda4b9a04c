// Command scenario runs berth's benchmark scenarios against the Jenkins
// simulator and the local Docker engine, and prints what it measured.
//
//	go run ./bench/scenario [flags] [SCENARIO...]
//
// Scenarios (default: all of them, in this order):
//
//	gobench  the Go benchmarks (the planner, a cycle's work without the
//	         network, decoding Jenkins' answers, at 1,000 nodes and 1,000
//	         queued builds; the engine calls of a start), -count times
//	         each: median and spread
//	floor    the floor alone: the same engine running the agent image for a
//	         node created beforehand in the simulator, with its secret, by
//	         the docker CLI (docker run -d --network host ...) and by the
//	         Engine API (create, start), one at a time (-runs) and -burst at
//	         once (-burst-runs): the time to the node online and to its
//	         queued build starting
//	single   -runs pairs of a floor run (docker CLI) and a berth run: berth
//	         (in this process, on traced clients, the config's defaults
//	         plus -poll and -secret) and one build queued at a random phase
//	         of berth's poll: queue to node online and to build start, and
//	         every phase of the start
//	burst    -burst-runs pairs of a floor burst (-burst docker runs at
//	         once) and a berth burst (-burst builds queued at once, each
//	         holding its agent), each pair in a fresh environment
//	fleet    the berth binary as a subprocess with 0, 10 and 100 idle agents
//	         (-fleet): Jenkins and Docker requests per idle cycle, CPU, and
//	         the process's resident memory (VmRSS, VmHWM)
//
// Everything a scenario creates carries the run's berth instance label (and
// lives in the run's own simulator); it is removed when the scenario ends,
// when it fails, and on SIGINT or SIGTERM. The floor hands its agents the
// simulator's secret for their throwaway node in the environment, as a
// person typing docker run would.
//
// On a shared machine, each measurement first waits (-quiet) until no other
// container runs on the engine and the CPUs are mostly idle, and the report
// says how busy the machine was as the measurements began.
//
// The scenarios measure; they assert nothing. BENCHMARKS.md gives the
// commands and the results.
package main
