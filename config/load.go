package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds the configuration file; a real one is a few KiB.
const maxFileSize = 1 << 20

// Load reads, decodes and validates a config file. Every error names the
// file and the key path, with the line when known:
//
//	/etc/berth/config.yaml:14: templates[1].idleTimeout: invalid duration "5x"
//
// All problems found are returned, joined with errors.Join; each is an
// *Error. env looks up environment variables (os.Getenv in production); it
// is consulted only for BERTH_JENKINS_TOKEN, BERTH_JENKINS_PASSWORD and
// CREDENTIALS_DIRECTORY. Relative file names in the file (jenkins.tokenFile,
// tls.ca, ...) are taken relative to the directory of path.
func Load(path string, env func(string) string) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		msg := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err // the file is named once, in front
		}
		return nil, &Error{File: path, Msg: "cannot read: " + msg.Error(), Err: err}
	}
	return Parse(path, data, env)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// Parse is Load on bytes already read: name is used in messages and its
// directory resolves relative file names. Secret files and public key files
// named in data are still read from disk.
func Parse(name string, data []byte, env func(string) string) (*Config, error) {
	return parse(name, data, env, false)
}

// LoadWithoutCredentials is Load for commands that never talk to Jenkins
// (berth match): everything is checked but the Jenkins token or password,
// which is neither looked for nor read. Its Config cannot be used to reach
// Jenkins.
func LoadWithoutCredentials(path string) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Err: err}
	}
	return parse(path, data, nil, true)
}

func parse(name string, data []byte, env func(string) string, noCredentials bool) (*Config, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	p := newProblems(name)
	if len(data) > maxFileSize {
		p.errAt(0, "", "larger than %d bytes", maxFileSize)
		return nil, p.err()
	}

	// yaml.v3 (the parser viper itself uses) gives the node tree, with the
	// file's own key spelling and lines; viper reads the settings.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.yamlError(err)
		return nil, p.err()
	}
	root := documentRoot(&doc)
	if root != nil && root.Kind != yaml.MappingNode {
		p.errAt(root.Line, "", "the file must be a mapping of keys (jenkins:, dockerHosts:, templates:, ...), got %s", describe(root))
		return nil, p.err()
	}
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		var pe viper.ConfigParseError
		if errors.As(err, &pe) && pe.Unwrap() != nil {
			err = pe.Unwrap()
		}
		p.yamlError(err)
		return nil, p.err()
	}
	if root != nil {
		w := &walker{p: p}
		w.mapping(root, reflect.TypeFor[rawConfig](), "", map[string]bool{})
		if p.failed() {
			return nil, p.err()
		}
	}

	var raw rawConfig
	if err := v.UnmarshalExact(&raw, decoderOptions); err != nil {
		// The walk has checked keys and types, so this is a bug here.
		p.add(&Error{File: name, Msg: "decode: " + err.Error(), Err: err})
		return nil, p.err()
	}

	b := &builder{p: p, env: env, dir: filepath.Dir(name), noCredentials: noCredentials}
	cfg := b.build(&raw)
	if p.failed() {
		return nil, p.err()
	}
	cfg.Source = name
	cfg.warnings = p.warnings
	return cfg, nil
}

// yamlLine is how yaml.v3 places its messages: "yaml: line 3: ..." or, in
// its list of unmarshal errors, "  line 3: ...".
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError records a YAML syntax error (or yaml.v3's list of them), one
// problem per line, placed at its line.
func (p *problems) yamlError(err error) {
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(l)
		switch m := yamlLine.FindStringSubmatch(l); {
		case l == "" || l == "yaml: unmarshal errors:":
		case m != nil:
			n, _ := strconv.Atoi(m[1])
			p.add(&Error{File: p.file, Line: n, Msg: "not valid YAML: " + m[2], Err: err})
		default:
			p.add(&Error{File: p.file, Msg: "not valid YAML: " + strings.TrimPrefix(l, "yaml: "), Err: err})
		}
	}
	if !p.failed() {
		p.add(&Error{File: p.file, Msg: "not valid YAML", Err: err})
	}
}

// decoderOptions replaces viper's default decode hooks (which would turn a
// string into a list by splitting at commas and a bare integer into a
// duration in nanoseconds). Weak typing is kept so that a plain integer
// reaches a string field (user: 1000) as its decimal text; walk.go allows
// exactly those cases.
func decoderOptions(c *mapstructure.DecoderConfig) {
	c.DecodeHook = nil
	c.WeaklyTypedInput = true
}

// documentRoot returns the top node of the first document, or nil for an
// empty file (or one holding only null).
func documentRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	n := doc.Content[0]
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		return nil
	}
	return n
}
