package jenkinssim

import (
	"fmt"
	"strconv"
	"strings"
)

// Creating and deleting nodes, and the node side of connecting agents.

// failure is a hudson.model.Failure: an error Jenkins shows as a 400 page with this message.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

// checkGoodName is Jenkins.checkGoodName.
func checkGoodName(name string) error {
	if name == "" {
		return &failure{"No name is specified"}
	}
	switch javaTrim(name) {
	case ".":
		return &failure{"“.” is not an allowed name"}
	case "..":
		return &failure{"“..” is not an allowed name"}
	}
	for _, r := range name {
		if r <= 0x1f || (r >= 0x7f && r <= 0x9f) {
			return &failure{"No control code is allowed: " + printableName(name)}
		}
		if strings.ContainsRune(`?*/\%!@#$^&|<>[]:;`, r) {
			return &failure{"‘" + string(r) + "’ is an unsafe character"}
		}
	}
	if strings.HasSuffix(javaTrim(name), ".") {
		return &failure{"A name cannot end with ‘.’"}
	}
	return nil
}

// printableName is Jenkins.toPrintableName.
func printableName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r <= 0x1f || (r >= 0x7f && r <= 0x9f) {
			b.WriteString(`\u` + strconv.Itoa(int(r)) + ";")
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkNodeNameLocked is ComputerSet.checkName on an already trimmed name.
func (s *Sim) checkNodeNameLocked(name string) error {
	if err := checkGoodName(name); err != nil {
		return err
	}
	if _, ok := s.nodes[name]; ok {
		return &failure{"Agent called ‘" + name + "’ already exists"}
	}
	return nil
}

// CreateNode adds a permanent agent, as POST /computer/doCreateItem does. An SSH agent is
// launched at once (RetentionStrategy.Always); an inbound agent waits for its agent to connect.
func (s *Sim) CreateNode(spec NodeSpec) error {
	spec.Name = javaTrim(spec.Name)
	if err := validateLauncher(spec.Launcher); err != nil {
		return fmt.Errorf("jenkinssim: create node %q: %w", spec.Name, err)
	}
	if spec.Mode == "" {
		spec.Mode = Normal
	}
	if spec.Mode != Normal && spec.Mode != Exclusive {
		return fmt.Errorf("jenkinssim: create node %q: mode %q is neither NORMAL nor EXCLUSIVE", spec.Name, spec.Mode)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("jenkinssim: create node %q: simulator closed", spec.Name)
	}
	if err := s.checkNodeNameLocked(spec.Name); err != nil {
		return err
	}
	n := newNode(spec, s.now())
	s.nodes[n.name] = n
	s.log.Info("node created", "node", n.name, "launcher", spec.Launcher.launcherClass(), "labels", spec.Labels, "mode", string(spec.Mode))
	if n.comp != nil {
		s.connectLocked(n, false)
	}
	s.maintainLocked()
	return nil
}

// DeleteNode removes an agent, as POST /computer/NAME/doDelete does: its builds are aborted
// and its agent disconnected.
func (s *Sim) DeleteNode(name string) error {
	s.mu.Lock()
	n := s.nodes[name]
	if n == nil {
		s.mu.Unlock()
		return fmt.Errorf("jenkinssim: delete node %q: no such node", name)
	}
	delete(s.nodes, name)
	var closers []func()
	if c := n.comp; c != nil {
		for _, e := range c.executors {
			if e.cur != nil {
				s.endExecLocked(e.cur, resultAborted)
			}
		}
		if c.ch != nil {
			closers = append(closers, c.ch.close)
			c.ch = nil
		}
		if c.cancelLaunch != nil {
			closers = append(closers, c.cancelLaunch)
			c.cancelLaunch = nil
		}
		c.connecting = false
	}
	s.log.Info("node deleted", "node", name)
	s.maintainLocked()
	s.mu.Unlock()
	for _, f := range closers {
		f()
	}
	return nil
}

// setChannelLocked is SlaveComputer.setChannel: the agent is connected.
func (s *Sim) setChannelLocked(n *node, ch *channel) {
	c := n.comp
	c.ch = ch
	c.everConnected = true
	c.offlineCause = nil
	c.numRetryAttempt = 0
	c.connecting = false
	s.log.Info("agent connected", "node", n.name, "via", ch.kind)
	s.maintainLocked()
}

// channelClosed is the channel's onClosed listener: the computer goes offline with
// ChannelTermination and the builds running there fail. It does nothing if the node was
// deleted or already has another channel.
func (s *Sim) channelClosed(n *node, ch *channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.nodes[n.name] != n || n.comp == nil || n.comp.ch != ch {
		return
	}
	c := n.comp
	c.ch = nil
	c.offlineCause = channelTermination(s.now())
	for _, e := range c.executors {
		if e.cur != nil {
			s.endExecLocked(e.cur, resultFailure)
		}
	}
	s.log.Info("agent disconnected", "node", n.name, "via", ch.kind)
	s.maintainLocked()
}

// connectLocked is Computer.connect: an SSH agent is launched unless it is connected or (when
// not forced) already launching; an inbound agent cannot be launched from the controller.
func (s *Sim) connectLocked(n *node, force bool) {
	l, ok := n.launcher.(*SSHLauncher)
	if !ok || n.comp == nil || s.closed {
		return
	}
	c := n.comp
	if c.ch != nil {
		return
	}
	if c.connecting && !force {
		return
	}
	if c.cancelLaunch != nil {
		c.cancelLaunch()
	}
	s.startSSHLaunchLocked(n, l)
}
