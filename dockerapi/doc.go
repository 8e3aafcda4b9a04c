// Package dockerapi is berth's only door to the Docker Engine.
//
// It is a thin layer over github.com/moby/moby/client that exposes only the
// calls berth makes, in berth's own types, with classified errors:
//
//   - one [Host] per configured engine, reached over unix://, tcp:// (with
//     TLS client certificates; server verification on unless explicitly
//     disabled) or ssh:// (a direct-streamlocal channel to the remote
//     socket, verified against known_hosts, no docker CLI needed);
//   - every call has a deadline ([HostConfig.CallTimeout]) and every error
//     names the host and the call, e.g.
//     `docker host "build-2": create container linux-7f3a: ...`;
//   - errors carry one class, tested with errors.Is: [ErrNotFound],
//     [ErrConflict], [ErrUnavailable], [ErrImageUnavailable],
//     [ErrNotManaged], [ErrInvalid];
//   - every container berth creates carries ownership labels (labels.go),
//     and [Host.Remove] refuses to touch a container without them.
//
// A Host is safe for concurrent use.
package dockerapi
