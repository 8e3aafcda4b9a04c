package jenkins

import (
	"context"
)

// Identity is who Jenkins takes the client for, and which Jenkins answered.
type Identity struct {
	Name        string
	Anonymous   bool // use this, not "authenticated": anonymous is "authenticated" too
	Authorities []string
	Version     string // X-Jenkins header; empty if absent
}

// Whoami asks GET /whoAmI/api/json, for `berth check`: it proves the URL, the TLS setup
// and the credentials in one request. Jenkins' whoAmI page is readable without the Read
// permission, so wrong credentials show as ErrUnauthorized, not as a 403.
func (c *Client) Whoami(ctx context.Context) (Identity, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var j whoAmIJSON
	r := request{op: "whoami", path: "/whoAmI/api/json", query: treeQuery("name,anonymous,authorities")}
	resp, err := c.getJSON(ctx, r, &j)
	if err != nil {
		return Identity{}, err
	}
	id := j.identity()
	id.Version = resp.header.Get("X-Jenkins")
	return id, nil
}

// whoAmIJSON decodes hudson.security.WhoAmI.
type whoAmIJSON struct {
	Name        *string  `json:"name"`
	Anonymous   bool     `json:"anonymous"`
	Authorities []string `json:"authorities"`
}

func (j *whoAmIJSON) validate() error {
	if j.Name == nil {
		return &bodyError{msg: `wrong shape: no "name"`, quote: true}
	}
	return nil
}

func (j *whoAmIJSON) identity() Identity {
	id := Identity{Anonymous: j.Anonymous}
	if j.Name != nil {
		id.Name = *j.Name
	}
	for _, a := range j.Authorities {
		if a != "" {
			id.Authorities = append(id.Authorities, a)
		}
	}
	return id
}
