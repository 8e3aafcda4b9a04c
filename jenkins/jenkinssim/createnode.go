package jenkinssim

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// POST /computer/doCreateItem (the form) and POST /computer/createItem (XML, Jenkins 2.541.1+),
// with Stapler's binding of the submitted JSON onto DumbSlave, JNLPLauncher and SSHLauncher.

// bindError is a failure while binding the form: Jenkins answers 500 with its "Oops!" page.
type bindError struct{ err error }

func (e *bindError) Error() string { return e.err.Error() }

func bindErr(format string, args ...any) error { return &bindError{fmt.Errorf(format, args...)} }

// doCreateItem is ComputerSet.doDoCreateItem.
func (s *Sim) doCreateItem(w http.ResponseWriter, r *http.Request, a *authn) {
	if err := parseAnyForm(r); err != nil {
		s.containerError(w, r, http.StatusBadRequest, "Unable to parse form content")
		return
	}
	name := fixEmptyAndTrim(r.FormValue("name"))
	if name == "" {
		s.failure(w, "Query parameter 'name' is required")
		return
	}
	s.mu.Lock()
	err := s.checkNodeNameLocked(name)
	s.mu.Unlock()
	var f *failure
	if errors.As(err, &f) {
		s.failure(w, f.msg)
		return
	}
	form := r.FormValue("json")
	if form == "" {
		// RequestImpl.getSubmittedForm
		if len(r.Form) > 0 {
			s.containerError(w, r, http.StatusBadRequest, "This page expects a form submission")
		} else {
			s.containerError(w, r, http.StatusBadRequest, "Nothing is submitted")
		}
		return
	}
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(form))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		s.log.Info("create node: form is not JSON", "node", name, "err", err)
		s.oops(w, http.StatusInternalServerError)
		return
	}
	if t := r.FormValue("type"); t != "hudson.slaves.DumbSlave" {
		// NodeDescriptor.all().find(type) returns null: a NullPointerException.
		s.log.Info("create node: unknown node type", "node", name, "type", t)
		s.oops(w, http.StatusInternalServerError)
		return
	}
	spec, err := bindDumbSlave(name, obj)
	if err != nil {
		s.log.Info("create node: cannot bind the form", "node", name, "err", err)
		s.oops(w, http.StatusInternalServerError)
		return
	}
	if err := s.CreateNode(spec); err != nil {
		if errors.As(err, &f) {
			s.failure(w, f.msg)
			return
		}
		s.log.Info("create node failed", "node", name, "err", err)
		s.oops(w, http.StatusInternalServerError)
		return
	}
	redirect(w, "/computer/")
}

func parseAnyForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(1 << 20)
	}
	return r.ParseForm()
}

// bindDumbSlave binds the submitted form onto a DumbSlave, as Descriptor.newInstance does.
func bindDumbSlave(name string, f map[string]any) (NodeSpec, error) {
	spec := NodeSpec{Name: name, NumExecutors: 1, Mode: Normal}
	var err error
	spec.Description = str(f["nodeDescription"])
	spec.RemoteFS = javaTrim(str(f["remoteFS"]))
	spec.Labels = javaTrim(str(f["labelString"]))
	if v, ok := f["numExecutors"]; ok {
		if spec.NumExecutors, err = toInt(v); err != nil {
			return spec, bindErr("numExecutors: %w", err)
		}
	}
	if v, ok := f["mode"]; ok && v != nil {
		switch m := Mode(str(v)); m {
		case Normal, Exclusive:
			spec.Mode = m
		default:
			return spec, bindErr("mode: no enum constant hudson.model.Node.Mode.%s", str(v))
		}
	}
	if rs, ok := f["retentionStrategy"].(map[string]any); ok {
		if c := class(rs); c != "" && c != "hudson.slaves.RetentionStrategy$Always" {
			return spec, bindErr("retentionStrategy %s is not simulated", c)
		}
	}
	switch l := f["launcher"].(type) {
	case nil:
		spec.Launcher = &InboundLauncher{} // Slave.getLauncher's default
	case map[string]any:
		spec.Launcher, err = bindLauncher(l)
		if err != nil {
			return spec, err
		}
	default:
		return spec, bindErr("launcher: not an object")
	}
	return spec, nil
}

func bindLauncher(l map[string]any) (Launcher, error) {
	switch c := class(l); c {
	case "hudson.slaves.JNLPLauncher":
		in := &InboundLauncher{WebSocket: toBool(l["webSocket"]), Tunnel: str(l["tunnel"])}
		if wd, ok := l["workDirSettings"].(map[string]any); ok {
			in.WorkDirDisabled = toBool(wd["disabled"])
			in.WorkDirPath = str(wd["workDirPath"])
			in.InternalDir = str(wd["internalDir"])
			in.FailIfWorkDirIsMissing = toBool(wd["failIfWorkDirIsMissing"])
		}
		return in, nil
	case "hudson.plugins.sshslaves.SSHLauncher":
		sl := &SSHLauncher{
			Host:                 javaTrim(str(l["host"])),
			CredentialsID:        str(l["credentialsId"]),
			LaunchTimeoutSeconds: 60,
			MaxNumRetries:        10,
			RetryWaitTime:        15,
			JavaPath:             str(l["javaPath"]),
			JvmOptions:           str(l["jvmOptions"]),
			PrefixStartSlaveCmd:  str(l["prefixStartSlaveCmd"]),
			SuffixStartSlaveCmd:  str(l["suffixStartSlaveCmd"]),
		}
		var err error
		if sl.Port, err = intOr(l["port"], 0); err != nil {
			return nil, bindErr("port: %w", err)
		}
		if sl.Port == 0 {
			sl.Port = 22
		}
		// The plugin's setters: launchTimeoutSeconds null or <= 0 is 60, maxNumRetries and
		// retryWaitTime null or < 0 are 10 and 15.
		if v, err := intOr(l["launchTimeoutSeconds"], 60); err != nil {
			return nil, bindErr("launchTimeoutSeconds: %w", err)
		} else if v > 0 {
			sl.LaunchTimeoutSeconds = v
		}
		if v, err := intOr(l["maxNumRetries"], 10); err != nil {
			return nil, bindErr("maxNumRetries: %w", err)
		} else if v >= 0 {
			sl.MaxNumRetries = v
		}
		if v, err := intOr(l["retryWaitTime"], 15); err != nil {
			return nil, bindErr("retryWaitTime: %w", err)
		} else if v >= 0 {
			sl.RetryWaitTime = v
		}
		if st, ok := l["sshHostKeyVerificationStrategy"].(map[string]any); ok {
			v, err := bindStrategy(class(st), str(st["key"]), toBool(st["requireInitialManualTrust"]))
			if err != nil {
				return nil, err
			}
			sl.HostKeyVerification = v
		}
		return sl, nil
	default:
		// The plugin that would provide the class is not installed.
		return nil, bindErr("launcher class %q is not available", c)
	}
}

func bindStrategy(c, key string, requireTrust bool) (HostKeyVerification, error) {
	switch c {
	case ManuallyProvidedKey{}.strategyClass():
		if err := checkHostKey(key); err != nil {
			return nil, bindErr("Invalid key: %w", err)
		}
		return ManuallyProvidedKey{Key: key}, nil
	case NonVerifying{}.strategyClass():
		return NonVerifying{}, nil
	case ManuallyTrusted{}.strategyClass():
		return ManuallyTrusted{RequireInitialManualTrust: requireTrust}, nil
	case KnownHostsFile{}.strategyClass():
		return KnownHostsFile{}, nil
	default:
		return nil, bindErr("host key verification strategy %q is not available", c)
	}
}

// checkHostKey is ManuallyProvidedKeyVerificationStrategy.parseKey: an algorithm and a Base64
// value that parses as a key of that algorithm.
func checkHostKey(key string) error {
	alg, blob, err := splitHostKey(key)
	if err != nil {
		return err
	}
	pk, err := ssh.ParsePublicKey(blob)
	if err != nil || pk.Type() != alg {
		return fmt.Errorf("Key value does not parse into a valid %s key", alg)
	}
	return nil
}

// splitHostKey splits "ALGORITHM BASE64 [anything]" as the plugin's StringTokenizer does.
func splitHostKey(key string) (string, []byte, error) {
	if !strings.Contains(key, " ") {
		return "", nil, errors.New("Key should be 2 parts: algorithm and Base 64 encoded key value.")
	}
	f := strings.Fields(key)
	if len(f) < 2 {
		return "", nil, errors.New("Key should be 2 parts: algorithm and Base 64 encoded key value.")
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return "", nil, errors.New("The value part of the key should be a Base64 encoded value.")
	}
	return f[0], blob, nil
}

func class(m map[string]any) string {
	if c := str(m["$class"]); c != "" {
		return c
	}
	return str(m["stapler-class"])
}

// str converts a JSON value to the string Stapler would bind.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

func toBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true") || x == "on"
	}
	return false
}

// toInt converts a JSON value to an int as Stapler's converters do ("1" and 1 both work).
func toInt(v any) (int, error) {
	s := strings.TrimSpace(str(v))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("cannot convert %q to int", s)
	}
	return n, nil
}

// intOr is toInt with a default for a missing or empty value.
func intOr(v any, def int) (int, error) {
	if v == nil || strings.TrimSpace(str(v)) == "" {
		return def, nil
	}
	return toInt(v)
}

// createItem is ComputerSet.doCreateItem: with an XML body (application/xml or text/xml) it
// creates the node the <slave> element describes and answers 200.
func (s *Sim) createItem(w http.ResponseWriter, r *http.Request, a *authn) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/xml") && !strings.HasPrefix(ct, "text/xml") {
		_ = parseAnyForm(r)
		mode := r.FormValue("mode")
		switch {
		case mode == "":
			s.failure(w, "No mode given")
		case mode == "hudson.slaves.DumbSlave":
			s.simplePage(w, "New node [Jenkins]", "Configure the new node "+r.FormValue("name"))
		default:
			s.failure(w, "No node type ‘"+mode+"’ is known")
		}
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.containerError(w, r, http.StatusBadRequest, "Unable to read the request body")
		return
	}
	spec, err := parseSlaveXML(body)
	if err != nil {
		s.log.Info("create node from XML: cannot read it", "err", err)
		s.oops(w, http.StatusInternalServerError)
		return
	}
	if name := fixEmptyAndTrim(r.URL.Query().Get("name")); name != "" {
		spec.Name = name
	}
	s.mu.Lock()
	_, exists := s.nodes[spec.Name]
	s.mu.Unlock()
	if exists {
		s.failure(w, "Node '"+spec.Name+"' already exists")
		return
	}
	if err := s.CreateNode(spec); err != nil {
		var f *failure
		if errors.As(err, &f) {
			s.failure(w, f.msg)
			return
		}
		s.log.Info("create node from XML failed", "node", spec.Name, "err", err)
		s.oops(w, http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// slaveXML is the XStream form of a DumbSlave.
type slaveXML struct {
	XMLName      xml.Name
	Name         string `xml:"name"`
	Description  string `xml:"description"`
	RemoteFS     string `xml:"remoteFS"`
	NumExecutors string `xml:"numExecutors"`
	Mode         string `xml:"mode"`
	Label        string `xml:"label"`
	Retention    struct {
		Class string `xml:"class,attr"`
	} `xml:"retentionStrategy"`
	Launcher *struct {
		Class     string `xml:"class,attr"`
		WebSocket string `xml:"webSocket"`
		Tunnel    string `xml:"tunnel"`
		WorkDir   *struct {
			Disabled               string `xml:"disabled"`
			WorkDirPath            string `xml:"workDirPath"`
			InternalDir            string `xml:"internalDir"`
			FailIfWorkDirIsMissing string `xml:"failIfWorkDirIsMissing"`
		} `xml:"workDirSettings"`
		Host                 string `xml:"host"`
		Port                 string `xml:"port"`
		CredentialsID        string `xml:"credentialsId"`
		LaunchTimeoutSeconds string `xml:"launchTimeoutSeconds"`
		MaxNumRetries        string `xml:"maxNumRetries"`
		RetryWaitTime        string `xml:"retryWaitTime"`
		JavaPath             string `xml:"javaPath"`
		JvmOptions           string `xml:"jvmOptions"`
		Prefix               string `xml:"prefixStartSlaveCmd"`
		Suffix               string `xml:"suffixStartSlaveCmd"`
		Strategy             *struct {
			Class string `xml:"class,attr"`
			Key   struct {
				Text      string `xml:",chardata"`
				Algorithm string `xml:"algorithm"`
				Key       string `xml:"key"`
			} `xml:"key"`
			RequireInitialManualTrust string `xml:"requireInitialManualTrust"`
		} `xml:"sshHostKeyVerificationStrategy"`
	} `xml:"launcher"`
}

// parseSlaveXML reads a <slave> (or <hudson.slaves.DumbSlave>) element into a NodeSpec.
func parseSlaveXML(body []byte) (NodeSpec, error) {
	var x slaveXML
	if err := xml.Unmarshal(body, &x); err != nil {
		return NodeSpec{}, fmt.Errorf("parse XML: %w", err)
	}
	if x.XMLName.Local != "slave" && x.XMLName.Local != "hudson.slaves.DumbSlave" {
		return NodeSpec{}, fmt.Errorf("root element %q is not a DumbSlave", x.XMLName.Local)
	}
	f := map[string]any{
		"nodeDescription": x.Description,
		"remoteFS":        x.RemoteFS,
		"labelString":     x.Label,
	}
	if x.NumExecutors != "" {
		f["numExecutors"] = x.NumExecutors
	}
	if x.Mode != "" {
		f["mode"] = x.Mode
	}
	if x.Retention.Class != "" {
		f["retentionStrategy"] = map[string]any{"$class": x.Retention.Class}
	}
	if l := x.Launcher; l != nil {
		lm := map[string]any{
			"$class": l.Class, "webSocket": l.WebSocket, "tunnel": l.Tunnel,
			"host": l.Host, "credentialsId": l.CredentialsID, "javaPath": l.JavaPath, "jvmOptions": l.JvmOptions,
			"prefixStartSlaveCmd": l.Prefix, "suffixStartSlaveCmd": l.Suffix,
		}
		for k, v := range map[string]string{"port": l.Port, "launchTimeoutSeconds": l.LaunchTimeoutSeconds, "maxNumRetries": l.MaxNumRetries, "retryWaitTime": l.RetryWaitTime} {
			if v != "" {
				lm[k] = v
			}
		}
		if wd := l.WorkDir; wd != nil {
			lm["workDirSettings"] = map[string]any{
				"disabled": wd.Disabled, "workDirPath": wd.WorkDirPath,
				"internalDir": wd.InternalDir, "failIfWorkDirIsMissing": wd.FailIfWorkDirIsMissing,
			}
		} else if l.Class == "hudson.slaves.JNLPLauncher" {
			lm["workDirSettings"] = map[string]any{"internalDir": "remoting"}
		}
		if st := l.Strategy; st != nil {
			key := strings.TrimSpace(st.Key.Text)
			if st.Key.Algorithm != "" {
				key = st.Key.Algorithm + " " + strings.TrimSpace(st.Key.Key)
			}
			lm["sshHostKeyVerificationStrategy"] = map[string]any{"$class": st.Class, "key": key, "requireInitialManualTrust": st.RequireInitialManualTrust}
		}
		f["launcher"] = lm
	}
	spec, err := bindDumbSlave(javaTrim(x.Name), f)
	if err != nil {
		return spec, err
	}
	return spec, nil
}
