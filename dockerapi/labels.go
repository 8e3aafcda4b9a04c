package dockerapi

import (
	"fmt"
	"strings"
	"time"
)

// Ownership labels. Every container berth creates carries all of them; berth
// never stops or removes a container without LabelManaged=true.
const (
	LabelPrefix   = "io.berth."
	LabelManaged  = LabelPrefix + "managed"  // always "true"
	LabelInstance = LabelPrefix + "instance" // the berth instance that owns the container
	LabelTemplate = LabelPrefix + "template" // the agent template it was made from
	LabelNode     = LabelPrefix + "node"     // the Jenkins node name
	LabelJenkins  = LabelPrefix + "jenkins"  // the Jenkins controller URL
	LabelCreated  = LabelPrefix + "created"  // creation time, RFC 3339
)

// Owner says who a container belongs to; it is stored in, and parsed back
// from, the ownership labels.
type Owner struct {
	Instance   string
	Template   string
	Node       string
	JenkinsURL string
	Created    time.Time
}

// ownershipKeys are the labels berth writes itself; user labels may not
// override them.
var ownershipKeys = [...]string{LabelManaged, LabelInstance, LabelTemplate, LabelNode, LabelJenkins, LabelCreated}

// OwnerLabels returns the ownership labels for o.
func OwnerLabels(o Owner) map[string]string {
	return map[string]string{
		LabelManaged:  "true",
		LabelInstance: o.Instance,
		LabelTemplate: o.Template,
		LabelNode:     o.Node,
		LabelJenkins:  o.JenkinsURL,
		LabelCreated:  o.Created.UTC().Format(time.RFC3339),
	}
}

// IsManaged reports whether labels mark a container as berth's.
func IsManaged(labels map[string]string) bool {
	return labels[LabelManaged] == "true" && labels[LabelInstance] != ""
}

// ParseOwner reads the ownership labels back. An unparsable creation time
// is left zero.
func ParseOwner(labels map[string]string) Owner {
	o := Owner{
		Instance:   labels[LabelInstance],
		Template:   labels[LabelTemplate],
		Node:       labels[LabelNode],
		JenkinsURL: labels[LabelJenkins],
	}
	if t, err := time.Parse(time.RFC3339, labels[LabelCreated]); err == nil {
		o.Created = t
	}
	return o
}

// containerLabels merges user labels (case preserved) with the ownership
// labels. A user label may not take an ownership key.
func containerLabels(o Owner, user map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(user)+len(ownershipKeys))
	for k, v := range user {
		for _, own := range ownershipKeys {
			if strings.EqualFold(k, own) {
				return nil, fmt.Errorf("label %q is reserved for berth's ownership labels", k)
			}
		}
		out[k] = v
	}
	for k, v := range OwnerLabels(o) {
		out[k] = v
	}
	return out, nil
}
