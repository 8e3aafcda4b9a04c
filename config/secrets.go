package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"
)

// Where the Jenkins credential may come from, besides the files named in the
// config. The order of precedence is documented on credentials.
const (
	EnvToken          = "BERTH_JENKINS_TOKEN"
	EnvPassword       = "BERTH_JENKINS_PASSWORD"
	EnvCredentialsDir = "CREDENTIALS_DIRECTORY" // set by systemd for LoadCredential=
	CredentialToken   = "jenkins-token"
	CredentialPass    = "jenkins-password"
)

// maxSecretSize bounds a token, password or public key file.
const maxSecretSize = 64 << 10

// credentials resolves the Jenkins API token or password into c.Jenkins.
//
// The token is looked for, first found wins, in
//  1. the file named by jenkins.tokenFile,
//  2. the environment variable BERTH_JENKINS_TOKEN,
//  3. the systemd credential $CREDENTIALS_DIRECTORY/jenkins-token.
//
// Only if there is no token is a password looked for, in the same way:
// jenkins.passwordFile, BERTH_JENKINS_PASSWORD, the credential
// jenkins-password. A token wins over a password (with a password berth has
// to fetch CSRF crumbs); a passwordFile that a token makes useless is
// reported as a warning and not read. One trailing newline is removed.
func (b *builder) credentials(c *Config) {
	j := &c.Jenkins
	tok, tokFrom, tokOK := b.secret("jenkins.tokenFile", j.TokenFile, EnvToken, CredentialToken)
	if tok != "" {
		j.Token = Secret(tok)
		c.credential = "token from " + tokFrom
		if j.PasswordFile != "" {
			b.p.warnf("jenkins.passwordFile", "ignored: a token was found (%s), and a token wins over a password", tokFrom)
		}
		return
	}
	pw, pwFrom, pwOK := b.secret("jenkins.passwordFile", j.PasswordFile, EnvPassword, CredentialPass)
	if pw != "" {
		j.Password = Secret(pw)
		c.credential = "password from " + pwFrom
		return
	}
	if !tokOK || !pwOK {
		return // a source exists but is broken: that is the error reported
	}
	credDir := "$" + EnvCredentialsDir + " is not set"
	if d := b.env(EnvCredentialsDir); d != "" {
		credDir = "$" + EnvCredentialsDir + " is " + d
	}
	b.p.errf("jenkins", "no Jenkins API token: looked in jenkins.tokenFile (not set), $%s (not set) and the systemd credential %s (%s); "+
		"no password either (jenkins.passwordFile, $%s, credential %s). Put the token in a file of mode 0600 and name it in jenkins.tokenFile, "+
		"or add LoadCredential=%s:/etc/berth/jenkins-token to the unit",
		EnvToken, CredentialToken, credDir, EnvPassword, CredentialPass, CredentialToken)
}

// secret finds one credential: in file (key says where it was named), else
// in the environment variable envName, else in the systemd credential
// credName. It returns the secret ("" if none found), a description of where
// it came from, and false when a source exists but is unusable (that problem
// is reported).
func (b *builder) secret(key, file, envName, credName string) (string, string, bool) {
	if file != "" {
		s, err := b.readSecretFile(key, file)
		if err != nil {
			return "", "", false
		}
		return s, key + " " + file, true
	}
	if v := b.env(envName); v != "" {
		s, err := cleanSecret(v)
		if err != nil {
			b.p.errf("jenkins", "$%s: %v", envName, err)
			return "", "", false
		}
		return s, "$" + envName, true
	}
	dir := b.env(EnvCredentialsDir)
	if dir == "" {
		return "", "", true
	}
	path := filepath.Join(dir, credName)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", "", true
	}
	s, err := b.readSecretFile("jenkins", path)
	if err != nil {
		return "", "", false
	}
	return s, "systemd credential " + path, true
}

// readSecretFile reads a token or password file, warns when others may read
// it, and reports problems naming the file, never its content.
func (b *builder) readSecretFile(key, path string) (string, error) {
	data, err := readSmallFile(path)
	if err != nil {
		b.p.errCause(key, err, "cannot read secret file: %v", err)
		return "", err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		b.p.warnf(key, "%s is readable by group or others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	s, err := cleanSecret(string(data))
	if err != nil {
		b.p.errf(key, "%s: %v", path, err)
		return "", err
	}
	return s, nil
}

// readSmallFile reads a regular file of at most maxSecretSize bytes. Its
// errors name the file (as *fs.PathError does) and never the content.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecretSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxSecretSize)
	}
	return data, nil
}

// cleanSecret removes one trailing newline (as echo and most editors add)
// and rejects what cannot be a token or password. The error never quotes it.
func cleanSecret(s string) (string, error) {
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	switch {
	case s == "":
		return "", errors.New("empty")
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", errors.New("contains a line break or another control character (more than one line?)")
	}
	return s, nil
}

// publicKey reads ssh.publicKey or ssh.publicKeyFile (exactly one) and
// checks that it is one public key in authorized_keys format.
func (b *builder) publicKey(key string, r *rawSSH) string {
	inline, file := key+".ssh.publicKey", key+".ssh.publicKeyFile"
	var text, where string
	switch hasInline, hasFile := b.p.present(inline), b.p.present(file); {
	case hasInline && hasFile:
		b.p.errf(file, "give ssh.publicKey or ssh.publicKeyFile, not both")
		return ""
	case hasInline:
		text, where = r.PublicKey, inline
	case hasFile:
		path := b.file(r.PublicKeyFile)
		data, err := readSmallFile(path)
		if err != nil {
			b.p.errCause(file, err, "cannot read public key: %v", err)
			return ""
		}
		text, where = string(data), file
	default:
		b.p.errf(key+".ssh", "missing: launcher ssh needs the agent's public key in ssh.publicKey or ssh.publicKeyFile "+
			"(the public half of the Jenkins credential ssh.credentialsId)")
		return ""
	}
	text = strings.TrimSpace(text)
	if strings.Contains(text, "PRIVATE KEY") {
		b.p.errf(where, "this is a private key: give the public key (the .pub file) here, and keep the private key in the Jenkins credential")
		return ""
	}
	if strings.ContainsAny(text, "\r\n") {
		b.p.errf(where, "give exactly one public key (one line)")
		return ""
	}
	if _, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(text)); err != nil || len(bytes.TrimSpace(rest)) > 0 {
		b.p.errf(where, "not an SSH public key in authorized_keys format (\"ssh-ed25519 AAAA... comment\")")
		return ""
	}
	return text
}
