package provisioner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Node marker
//
// berth knows its Jenkins nodes by a marker line in the node description:
//
//	berth-managed instance=<instance> template=<template> host=<docker host> sig=<12 hex>
//
// sig is a hash of the node name, instance, template and host, so the line
// only marks the node it was written for: copying one node's description onto
// another node, or typing a similar line by hand, does not make berth adopt
// (or delete) that node. The placeholder node carries
//
//	berth-placeholder instance=<instance> sig=<12 hex>
//
// Nodes without a valid marker for this instance are never touched.

const (
	markerAgent       = "berth-managed"
	markerPlaceholder = "berth-placeholder"
)

// Mark is what a node's marker says.
type Mark struct {
	Instance    string
	Template    string
	Host        string
	Placeholder bool
}

func markerSig(name string, m Mark) string {
	h := sha256.New()
	kind := markerAgent
	if m.Placeholder {
		kind = markerPlaceholder
	}
	for _, s := range []string{kind, name, m.Instance, m.Template, m.Host} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Describe returns the node description berth writes for node name.
func Describe(name string, m Mark) string {
	if m.Placeholder {
		return fmt.Sprintf("Placeholder kept by berth so that Jenkins always names the labels builds wait for; never runs builds.\n%s instance=%s sig=%s",
			markerPlaceholder, m.Instance, markerSig(name, m))
	}
	return fmt.Sprintf("Docker agent started by berth (template %s on docker host %s).\n%s instance=%s template=%s host=%s sig=%s",
		m.Template, m.Host, markerAgent, m.Instance, m.Template, m.Host, markerSig(name, m))
}

// ParseMark finds a valid marker for node name in a description. It reports
// false for descriptions without one, and for markers whose sig does not
// belong to this node.
func ParseMark(name, description string) (Mark, bool) {
	for _, line := range strings.Split(description, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || (f[0] != markerAgent && f[0] != markerPlaceholder) {
			continue
		}
		m := Mark{Placeholder: f[0] == markerPlaceholder}
		var sig string
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			switch k {
			case "instance":
				m.Instance = v
			case "template":
				m.Template = v
			case "host":
				m.Host = v
			case "sig":
				sig = v
			}
		}
		if m.Instance == "" || sig != markerSig(name, m) {
			continue
		}
		if !m.Placeholder && (m.Template == "" || m.Host == "") {
			continue
		}
		return m, true
	}
	return Mark{}, false
}
