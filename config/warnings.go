package config

import "slices"

// Warnings returns what Load found legal but probably unwanted, one message
// per problem, formatted like errors (file:line: key: text): TLS or host key
// verification turned off, a token file readable by others, a cap of 0, a
// template that gets the Docker socket or runs privileged, a tcp:// engine
// without TLS, a secret source that is ignored. berth logs them at start.
func (c *Config) Warnings() []string { return slices.Clone(c.warnings) }

// CredentialSource says where the Jenkins credential came from, e.g.
// `token from jenkins.tokenFile /etc/berth/jenkins-token` (never the
// credential itself); "" for a Config not made by Load.
func (c *Config) CredentialSource() string { return c.credential }
