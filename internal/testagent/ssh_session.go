package testagent

import (
	"io"
	"log/slog"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// serveSession answers the requests of one session channel until the channel closes.
func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, logger *slog.Logger) {
	var once sync.Once
	var wg sync.WaitGroup
	defer wg.Wait()
	for req := range reqs {
		switch req.Type {
		case "env", "pty-req", "window-change":
			_ = req.Reply(true, nil)
		case "exec":
			var p struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil {
				_ = req.Reply(false, nil)
				continue
			}
			started := false
			once.Do(func() { started = true })
			if !started {
				_ = req.Reply(false, nil) // one command per session
				continue
			}
			_ = req.Reply(true, nil)
			wg.Go(func() { runCommand(ch, p.Command, logger) })
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// runCommand plays the command: "true" and ":" exit 0, "echo ARGS" prints ARGS and exits
// 0, and anything else runs, reading and discarding its input, until the client sends EOF
// or closes the channel, like a remoting process would.
func runCommand(ch ssh.Channel, command string, logger *slog.Logger) {
	defer func() { _ = ch.Close() }()
	fields := strings.Fields(command)
	switch {
	case len(fields) == 1 && (fields[0] == "true" || fields[0] == ":"):
	case len(fields) > 0 && fields[0] == "echo":
		_, _ = io.WriteString(ch, strings.Join(fields[1:], " ")+"\n")
	default:
		logger.Info("ssh exec started", "command", command)
		_, _ = io.Copy(io.Discard, ch)
		logger.Info("ssh exec ended", "command", command)
	}
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
}
