package dockerapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Error classes. Every error returned by a [Host] method wraps at most one of
// them; test with errors.Is.
var (
	// ErrNotFound: the container (or image) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request conflicts with the engine's state, e.g. a
	// container name already in use.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the host cannot be used right now: refused, timed out,
	// connection lost, TLS or SSH handshake failed.
	ErrUnavailable = errors.New("docker host unavailable")
	// ErrImageUnavailable: the image is not on the host and could not (or,
	// by pull policy, must not) be pulled.
	ErrImageUnavailable = errors.New("image unavailable")
	// ErrNotManaged: the container does not carry berth's ownership labels,
	// so berth refuses to stop or remove it.
	ErrNotManaged = errors.New("container not managed by berth")
	// ErrInvalid: the request or the configuration is invalid; retrying the
	// same call will not help.
	ErrInvalid = errors.New("invalid request")
)

// OpError is the error every Host method returns: it names the host, the call
// and the cause, and carries the class.
type OpError struct {
	Host  string // berth's name for the host
	Op    string // the call, with its target, e.g. "create container linux-7f3a"
	Class error  // one of the Err* classes, or nil when unclassified
	Err   error  // the cause
}

func (e *OpError) Error() string {
	return fmt.Sprintf("docker host %q: %s: %v", e.Host, e.Op, e.Err)
}

// Unwrap returns the class and the cause, so errors.Is works on both the
// class and the underlying errors (cerrdefs, x509, knownhosts, ...).
func (e *OpError) Unwrap() []error {
	if e.Class == nil {
		return []error{e.Err}
	}
	return []error{e.Class, e.Err}
}

// classify maps a cause onto one of the classes. It is the only place where
// moby's errdefs and transport errors are interpreted.
func classify(err error) error {
	if err == nil {
		return nil
	}
	for _, c := range []error{ErrNotFound, ErrConflict, ErrUnavailable, ErrImageUnavailable, ErrNotManaged, ErrInvalid} {
		if errors.Is(err, c) {
			return c
		}
	}
	var (
		hostErr   x509.HostnameError
		authErr   x509.UnknownAuthorityError
		certErr   x509.CertificateInvalidError
		alertErr  tls.AlertError
		recErr    tls.RecordHeaderError
		keyErr    *knownhosts.KeyError
		revErr    *knownhosts.RevokedError
		exitErr   *ssh.ExitError
		netErr    net.Error
		opErr     *net.OpError
		verifyErr *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, context.Canceled):
		// The caller gave up; that says nothing about the host.
		return nil
	case cerrdefs.IsNotFound(err):
		return ErrNotFound
	case cerrdefs.IsConflict(err), cerrdefs.IsAlreadyExists(err):
		return ErrConflict
	case cerrdefs.IsInvalidArgument(err):
		return ErrInvalid
	case errors.As(err, &exitErr):
		// A remote command ran and failed: the host answered.
		return nil
	case errors.Is(err, context.DeadlineExceeded),
		cerrdefs.IsDeadlineExceeded(err),
		cerrdefs.IsUnavailable(err),
		client.IsErrConnectionFailed(err),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.As(err, &hostErr),
		errors.As(err, &authErr),
		errors.As(err, &certErr),
		errors.As(err, &verifyErr),
		errors.As(err, &alertErr),
		errors.As(err, &recErr),
		errors.As(err, &keyErr),
		errors.As(err, &revErr),
		errors.As(err, &opErr),
		errors.As(err, &netErr):
		return ErrUnavailable
	case strings.Contains(err.Error(), "ssh: handshake failed"),
		strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return ErrUnavailable
	}
	return nil
}
