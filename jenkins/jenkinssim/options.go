package jenkinssim

import (
	"fmt"
	"log/slog"
	"net"
	"time"
)

// DefaultVersion is the Jenkins version the simulator reports in X-Jenkins: the core line whose
// source it follows.
const DefaultVersion = "2.579"

// Options configures a simulator. The zero value is usable.
type Options struct {
	// Addr is the listen address; it must be a loopback address. Default "127.0.0.1:0".
	Addr string
	// Users who can log in. Default: one user "admin" with a random API token
	// (see Sim.Users).
	Users []User
	// Version is reported in the X-Jenkins header. Default DefaultVersion.
	Version string
	// BuiltInExecutors is the number of executors of the built-in node. Default 0, as Jenkins
	// recommends for controllers that build on agents.
	BuiltInExecutors int
	// BuiltInMode is the built-in node's mode. Default Normal.
	BuiltInMode Mode
	// BuiltInLabels is the built-in node's labelString (it always carries "built-in" too).
	BuiltInLabels string
	// SystemMessage is the controller's system message, exported as the root's description
	// (null when empty).
	SystemMessage string
	// LeftItemTTL is how long items that left the queue stay readable under
	// /queue/item/N/. Default 5 minutes (Jenkins' Queue.leftItems).
	LeftItemTTL time.Duration
	// RetentionCheckInterval is how often RetentionStrategy.Always relaunches offline SSH
	// agents (Jenkins' ComputerRetentionWork). Default 60 s.
	RetentionCheckInterval time.Duration
	// Logger receives the simulator's own log. Default: discard.
	Logger *slog.Logger
}

// User is a Jenkins user. A request authenticated with APIToken needs no crumb; one
// authenticated with Password gets a session and needs a crumb on every POST.
type User struct {
	Name     string
	APIToken string
	Password string
}

// Mode is a node's Node.Mode.
type Mode string

const (
	// Normal nodes take any build they can (Node.Mode.NORMAL).
	Normal Mode = "NORMAL"
	// Exclusive nodes take only builds whose label expression matches them
	// (Node.Mode.EXCLUSIVE).
	Exclusive Mode = "EXCLUSIVE"
)

func (o *Options) withDefaults() (Options, error) {
	r := *o
	if r.Addr == "" {
		r.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(r.Addr)
	if err != nil {
		return r, fmt.Errorf("jenkinssim: listen address %q: %w", r.Addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return r, fmt.Errorf("jenkinssim: listen address %q is not a loopback address", r.Addr)
	}
	if r.Version == "" {
		r.Version = DefaultVersion
	}
	if r.BuiltInMode == "" {
		r.BuiltInMode = Normal
	}
	if r.BuiltInMode != Normal && r.BuiltInMode != Exclusive {
		return r, fmt.Errorf("jenkinssim: built-in node mode %q is neither NORMAL nor EXCLUSIVE", r.BuiltInMode)
	}
	if r.BuiltInExecutors < 0 {
		return r, fmt.Errorf("jenkinssim: built-in node executors %d is negative", r.BuiltInExecutors)
	}
	if r.LeftItemTTL <= 0 {
		r.LeftItemTTL = 5 * time.Minute
	}
	if r.RetentionCheckInterval <= 0 {
		r.RetentionCheckInterval = 60 * time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	for _, u := range r.Users {
		if u.Name == "" {
			return r, fmt.Errorf("jenkinssim: a user has no name")
		}
		if u.APIToken == "" && u.Password == "" {
			return r, fmt.Errorf("jenkinssim: user %q has neither an API token nor a password", u.Name)
		}
	}
	return r, nil
}
