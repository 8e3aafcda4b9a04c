package jenkinssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"
)

// The Go API a test or demo uses to set the controller up and drive it.

// CreateJob adds a job.
func (s *Sim) CreateJob(spec JobSpec) error {
	j, err := s.newJob(spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jobs[j.name]; ok {
		return fmt.Errorf("jenkinssim: create job %q: A job already exists with the name ‘%s’", j.name, j.name)
	}
	s.jobs[j.name] = j
	s.notifyLocked()
	return nil
}

// QueueBuild schedules a build of a job as a timer trigger would, with the job's quiet period,
// and returns the queue item's id. As in Jenkins, a build of the same job with the same
// parameters that is still queued is not queued twice: its id is returned. params must name
// the job's parameters (missing ones are empty); a job without parameters takes none.
func (s *Sim) QueueBuild(jobName string, params map[string]string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[jobName]
	if j == nil {
		return 0, fmt.Errorf("jenkinssim: queue build of %q: no such job", jobName)
	}
	if s.closed {
		return 0, fmt.Errorf("jenkinssim: queue build of %q: simulator closed", jobName)
	}
	var ps []param
	if len(j.params) > 0 {
		known := map[string]bool{}
		for _, p := range j.params {
			known[p] = true
			ps = append(ps, param{name: p, value: params[p]})
		}
		for k := range params {
			if !known[k] {
				return 0, fmt.Errorf("jenkinssim: queue build of %q: job has no parameter %q", jobName, k)
			}
		}
	} else if len(params) > 0 {
		return 0, fmt.Errorf("jenkinssim: queue build of %q: job is not parameterized", jobName)
	}
	it, _ := s.scheduleLocked(j.task, j.quiet, ps, timerCause())
	return it.id, nil
}

// SetJobDuration changes how long the job's builds run; builds that start afterwards use it.
func (s *Sim) SetJobDuration(jobName string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("jenkinssim: set duration of %q: negative duration %v", jobName, d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[jobName]
	if j == nil {
		return fmt.Errorf("jenkinssim: set duration of %q: no such job", jobName)
	}
	j.duration = d
	return nil
}

// CancelQueueItem cancels a queued item, as POST /queue/cancelItem does.
func (s *Sim) CancelQueueItem(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.itemByID(id)
	if it == nil {
		return fmt.Errorf("jenkinssim: cancel queue item %d: not found", id)
	}
	if !s.cancelLocked(it) {
		return fmt.Errorf("jenkinssim: cancel queue item %d: it already left the queue", id)
	}
	return nil
}

// sshCredential is an SSH user name with private key (BasicSSHUserPrivateKey).
type sshCredential struct {
	username string
	key      ssh.Signer
}

// AddSSHCredential stores an SSH credential that SSH launchers name by id.
func (s *Sim) AddSSHCredential(id, username string, key ssh.Signer) error {
	if id == "" || username == "" || key == nil {
		return fmt.Errorf("jenkinssim: add SSH credential %q: id, user name and key are required", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds[id] = sshCredential{username: username, key: key}
	return nil
}

// InboundSecret is the secret an inbound agent named name authenticates with: the hex
// HMAC-SHA256 of the name under this controller's key (JnlpAgentReceiver.SLAVE_SECRET), the
// same for the same name for the simulator's lifetime.
func (s *Sim) InboundSecret(name string) string {
	m := hmac.New(sha256.New, s.secretKey)
	m.Write([]byte(name))
	return hex.EncodeToString(m.Sum(nil))
}
