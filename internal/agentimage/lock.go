package agentimage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lockPollInterval is how often a waiting builder retries the lock.
const lockPollInterval = 100 * time.Millisecond

// lockBuild takes an exclusive lock, shared by every process on this machine, for
// building images of repo, and returns the function that releases it. It waits until ctx
// is done. The lock file (one per repository) stays in the temporary directory.
func lockBuild(ctx context.Context, repo string) (unlock func(), err error) {
	name := "berth-agentimage-" + strings.NewReplacer("/", "_", ":", "_").Replace(repo) + ".lock"
	path := filepath.Join(os.TempDir(), name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open build lock %s: %w", path, err)
	}
	t := time.NewTicker(lockPollInterval)
	defer t.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("wait for build lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}
