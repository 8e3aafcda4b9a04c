package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretsSetup writes token and password files and a systemd credentials
// directory, and returns their paths.
type secretsSetup struct {
	tokenFile, passwordFile, credDir string
}

func newSecrets(t *testing.T) secretsSetup {
	dir := t.TempDir()
	s := secretsSetup{
		tokenFile:    filepath.Join(dir, "token"),
		passwordFile: filepath.Join(dir, "password"),
		credDir:      filepath.Join(dir, "creds"),
	}
	writeFile(t, s.tokenFile, "from-file\n", 0o600)
	writeFile(t, s.passwordFile, "pw-from-file\n", 0o600)
	if err := os.Mkdir(s.credDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s.credDir, "jenkins-token"), "from-credential\n", 0o400)
	writeFile(t, filepath.Join(s.credDir, "jenkins-password"), "pw-from-credential", 0o400)
	return s
}

func withJenkinsKeys(keys ...string) string {
	add := ""
	for _, k := range keys {
		add += "  " + k + "\n"
	}
	return strings.Replace(baseT, "  user: berth\n", "  user: berth\n"+add, 1)
}

func TestCredentialPrecedence(t *testing.T) {
	s := newSecrets(t)
	tokenFile := "tokenFile: " + s.tokenFile
	passwordFile := "passwordFile: " + s.passwordFile
	tests := []struct {
		name         string
		keys         []string
		env          map[string]string
		token, pass  string
		source       string
		wantWarnings []string
	}{
		{"tokenFile beats env and credential", []string{tokenFile},
			map[string]string{EnvToken: "from-env", EnvCredentialsDir: s.credDir},
			"from-file", "", "token from jenkins.tokenFile " + s.tokenFile, nil},
		{"env beats credential", nil,
			map[string]string{EnvToken: "from-env\n", EnvCredentialsDir: s.credDir},
			"from-env", "", "token from $BERTH_JENKINS_TOKEN", nil},
		{"credential", nil,
			map[string]string{EnvCredentialsDir: s.credDir},
			"from-credential", "", "token from systemd credential " + filepath.Join(s.credDir, "jenkins-token"), nil},
		{"a token beats a password file, which is then ignored", []string{passwordFile},
			map[string]string{EnvToken: "from-env"},
			"from-env", "", "token from $BERTH_JENKINS_TOKEN",
			[]string{"test.yaml:4: jenkins.passwordFile: ignored: a token was found ($BERTH_JENKINS_TOKEN)"}},
		{"passwordFile without any token", []string{passwordFile},
			map[string]string{EnvPassword: "pw-from-env"},
			"", "pw-from-file", "password from jenkins.passwordFile " + s.passwordFile, nil},
		{"password env", nil,
			map[string]string{EnvPassword: "pw-from-env"},
			"", "pw-from-env", "password from $BERTH_JENKINS_PASSWORD", nil},
		{"password credential", nil,
			map[string]string{EnvCredentialsDir: t.TempDir()}, // no token credential here
			"", "", "", nil},
	}
	// The last case needs a credentials dir with only the password.
	onlyPw := t.TempDir()
	writeFile(t, filepath.Join(onlyPw, "jenkins-password"), "pw-from-credential\n", 0o400)
	tests[len(tests)-1].env[EnvCredentialsDir] = onlyPw
	tests[len(tests)-1].pass = "pw-from-credential"
	tests[len(tests)-1].source = "password from systemd credential " + filepath.Join(onlyPw, "jenkins-password")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, withJenkinsKeys(tt.keys...), envOf(tt.env))
			if c.Jenkins.Token.Reveal() != tt.token || c.Jenkins.Password.Reveal() != tt.pass {
				t.Errorf("token, password = %q, %q; want %q, %q", c.Jenkins.Token.Reveal(), c.Jenkins.Password.Reveal(), tt.token, tt.pass)
			}
			if c.CredentialSource() != tt.source {
				t.Errorf("CredentialSource = %q, want %q", c.CredentialSource(), tt.source)
			}
			wantWarnings(t, c, tt.wantWarnings...)
		})
	}
}

func TestTokenFilePermissionWarning(t *testing.T) {
	s := newSecrets(t)
	if err := os.Chmod(s.tokenFile, 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, withJenkinsKeys("tokenFile: "+s.tokenFile), envOf(nil))
	wantWarnings(t, c, fmt.Sprintf("test.yaml:4: jenkins.tokenFile: %s is readable by group or others (mode 0644): chmod 600 it", s.tokenFile))
	if c.Jenkins.Token.Reveal() != "from-file" {
		t.Errorf("token = %q", c.Jenkins.Token.Reveal())
	}
	// 0600 and 0400 are quiet.
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(s.tokenFile, mode); err != nil {
			t.Fatal(err)
		}
		wantWarnings(t, mustParse(t, withJenkinsKeys("tokenFile: "+s.tokenFile), envOf(nil)))
	}
	// The password file is checked the same way.
	if err := os.Chmod(s.passwordFile, 0o640); err != nil {
		t.Fatal(err)
	}
	c = mustParse(t, withJenkinsKeys("passwordFile: "+s.passwordFile), envOf(nil))
	wantWarnings(t, c, "test.yaml:4: jenkins.passwordFile: "+s.passwordFile+" is readable by group or others (mode 0640)")
}

func TestCredentialErrors(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Log("running as root: the unreadable-file case is skipped (root reads mode 0000)")
	}
	const secret = "sup3r-s3cret-t0ken"
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "\n", 0o600)
	twoLines := filepath.Join(dir, "two-lines")
	writeFile(t, twoLines, secret+"\n"+secret+"\n", 0o600)
	unreadable := filepath.Join(dir, "unreadable")
	writeFile(t, unreadable, secret, 0o000)
	missing := filepath.Join(dir, "missing")
	badCreds := t.TempDir()
	if err := os.Mkdir(filepath.Join(badCreds, "jenkins-token"), 0o700); err != nil { // a directory, not a file
		t.Fatal(err)
	}

	tests := []struct {
		name string
		keys []string
		env  map[string]string
		want string
		is   error
	}{
		{"missing tokenFile", []string{"tokenFile: " + missing}, map[string]string{EnvToken: "x"},
			"test.yaml:4: jenkins.tokenFile: cannot read secret file: open " + missing + ": no such file or directory", fs.ErrNotExist},
		{"empty tokenFile", []string{"tokenFile: " + empty}, nil,
			"test.yaml:4: jenkins.tokenFile: " + empty + ": empty", nil},
		{"token file of two lines", []string{"tokenFile: " + twoLines}, nil,
			"test.yaml:4: jenkins.tokenFile: " + twoLines + ": contains a line break", nil},
		{"tokenFile is a directory", []string{"tokenFile: " + dir}, nil,
			"test.yaml:4: jenkins.tokenFile: cannot read secret file: " + dir + ": not a regular file", nil},
		{"missing passwordFile", []string{"passwordFile: " + missing}, nil,
			"test.yaml:4: jenkins.passwordFile: cannot read secret file: open " + missing, fs.ErrNotExist},
		{"env token with a line break", nil, map[string]string{EnvToken: secret + "\n" + secret},
			"test.yaml:1: jenkins: $BERTH_JENKINS_TOKEN: contains a line break", nil},
		{"credential is a directory", nil, map[string]string{EnvCredentialsDir: badCreds},
			"test.yaml:1: jenkins: cannot read secret file: " + filepath.Join(badCreds, "jenkins-token") + ": not a regular file", nil},
		{"no credential anywhere, credentials dir set", nil, map[string]string{EnvCredentialsDir: t.TempDir()},
			"jenkins: no Jenkins API token: looked in jenkins.tokenFile (not set), $BERTH_JENKINS_TOKEN (not set) and the systemd credential jenkins-token ($CREDENTIALS_DIRECTORY is ", nil},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, struct {
			name string
			keys []string
			env  map[string]string
			want string
			is   error
		}{"unreadable tokenFile", []string{"tokenFile: " + unreadable}, nil,
			"test.yaml:4: jenkins.tokenFile: cannot read secret file: open " + unreadable + ": permission denied", fs.ErrPermission})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustFail(t, withJenkinsKeys(tt.keys...), envOf(tt.env), tt.want)
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

// TestSecretsNeverPrinted: a token written into the YAML, a URL with a
// password, env values and Secret values themselves never reach a message.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "sup3r-s3cret-t0ken"
	cases := []string{
		withJenkinsKeys("token: " + secret),
		withJenkinsKeys("password: " + secret),
		withJenkinsKeys("token: [" + secret + "]"),
		withJenkinsKeys("token: {a: " + secret + "}"),
		withJenkinsKeys("apiToken: " + secret),
		strings.Replace(baseT, "https://ci.example.com/", "https://admin:"+secret+"@ci.example.com/", 1),
		strings.Replace(baseT, "https://ci.example.com/", "https://admin:"+secret+"@ci example.com/", 1),
		baseT + "    env: [PASSWORD" + secret + "]\n",
		strings.Replace(baseT, "unix:///var/run/docker.sock", "ssh://u:"+secret+"@h", 1),
		strings.Replace(baseT, "unix:///var/run/docker.sock", "ssh://u:"+secret+"@h:99999", 1),
	}
	for _, y := range cases {
		_, err := Parse("test.yaml", []byte(y), tokenEnv)
		if err == nil {
			t.Errorf("no error for\n%s", y)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}

	c := mustParse(t, baseT, envOf(map[string]string{EnvToken: secret}))
	for _, s := range []string{fmt.Sprint(c.Jenkins), fmt.Sprintf("%+v", c.Jenkins), fmt.Sprintf("%v", c), c.CredentialSource()} {
		if strings.Contains(s, secret) {
			t.Errorf("printing the config shows the secret: %s", s)
		}
	}
}
