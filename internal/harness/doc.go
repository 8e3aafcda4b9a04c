// Package harness sets up what berth's end-to-end tests, its demo and its
// benchmark scenarios share: the Jenkins simulator with a user, an SSH
// credential and jobs; the berth test agent image on the local Docker
// engine; a berth config for them; and the clean-up that removes every
// container of the run's berth instance, whatever happened before.
package harness
