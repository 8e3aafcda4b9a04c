// Package e2e holds berth's end-to-end tests that run the berth binary itself
// as a separate process, so that it can be killed (SIGKILL) and started
// again: the restart test and the chaos test. They run berth against the
// Jenkins simulator and the local Docker engine (see internal/harness), watch
// the engine's containers and the simulator's nodes throughout, and remove
// everything they created when they end, also when they fail.
//
// The package has no code of its own; everything is in its tests:
//
//   - main_test.go builds ./cmd/berth once for the package;
//   - berth_test.go starts, stops and kills berth processes and keeps their
//     JSON logs for the test output;
//   - watch_test.go checks the caps at every observation (engine every
//     50 ms, simulator nodes at every change);
//   - proxy_test.go is a Docker socket proxy the chaos test cuts and
//     restores;
//   - restart_test.go and chaos_test.go are the tests.
package e2e
