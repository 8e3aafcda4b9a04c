package jenkins

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
)

// InboundSecret returns the secret an inbound agent presents for node name: the first
// <argument> of <application-desc> in GET /computer/NAME/jenkins-agent.jnlp, or in the
// older alias slave-agent.jnlp when the first answers 404. Jenkins has no JSON API for
// it, and gojenkins no call; the file is parsed as XML, not matched by position.
//
// The secret never appears in an error or a log line, and no error quotes this answer.
func (c *Client) InboundSecret(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	op := "get inbound secret for " + name
	if name == "" {
		return "", &Error{Op: op, Class: ErrInvalid, Detail: "empty node name"}
	}
	var resp *response
	var r request
	var err error
	for _, file := range []string{"jenkins-agent.jnlp", "slave-agent.jnlp"} {
		r = request{op: op, method: http.MethodGet, path: "/computer/" + escapeName(name) + "/" + file,
			accept: "application/x-java-jnlp-file, application/xml;q=0.9", secretBody: true}
		resp, err = c.do(ctx, r)
		if !errors.Is(err, ErrNotFound) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	secret, perr := parseJNLPSecret(resp.body, name)
	if perr != nil {
		return "", c.errorf(r, resp.status, ErrBadResponse, nil, perr.Error())
	}
	return secret, nil
}

// parseJNLPSecret reads the agent arguments from a JNLP file: the first is the secret, the
// second the node name, which must be name when present. Messages never quote the file.
func parseJNLPSecret(body []byte, name string) (string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", &bodyError{msg: "empty JNLP file"}
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var args []string
	inDesc, inArg := 0, false
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", &bodyError{msg: "not a JNLP file: malformed XML"}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "application-desc":
				inDesc++
			case inDesc > 0 && t.Name.Local == "argument":
				inArg = true
				text.Reset()
			}
		case xml.EndElement:
			switch {
			case t.Name.Local == "application-desc":
				inDesc--
				if len(args) > 0 {
					return checkJNLPArgs(args, name)
				}
			case inArg && t.Name.Local == "argument":
				inArg = false
				args = append(args, strings.TrimSpace(text.String()))
			}
		case xml.CharData:
			if inArg {
				text.Write(t)
			}
		}
	}
	if len(args) > 0 {
		return checkJNLPArgs(args, name)
	}
	return "", &bodyError{msg: "not a JNLP file: no <application-desc> arguments"}
}

func checkJNLPArgs(args []string, name string) (string, error) {
	if args[0] == "" {
		return "", &bodyError{msg: "JNLP file: empty secret"}
	}
	if len(args) > 1 && args[1] != name {
		return "", &bodyError{msg: "JNLP file names another node"}
	}
	return args[0], nil
}
