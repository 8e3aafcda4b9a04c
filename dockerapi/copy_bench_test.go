package dockerapi

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// BenchmarkAgentSteps times the engine calls of an inbound agent's start,
// one at a time, on a container of the test image that is created fresh
// for each iteration (outside the timer, except in "create"):
//
//   - create: CreateAgent;
//   - copy/parent-exists: CopyFile to /etc/agent-secret (one stat of /etc,
//     one archive upload);
//   - copy/parents-missing: CopyFile to /run/berth/agent-secret, berth's
//     default secret path, absent from the image (two stats, one upload);
//   - statpath: one ContainerStatPath on the created container;
//   - upload/implied-parents: one archive upload at / of a tar holding only
//     run/berth/agent-secret (the engine creates the missing parents, 0755
//     and owned by root, and leaves existing ones alone): what a CopyFile
//     of a root-owned file could cost without its stats;
//   - start: Start.
//
// On an engine whose storage driver mounts a container's file system for
// each archive call (fuse-overlayfs), every stat and upload before the
// start pays for a mount and an unmount.
func BenchmarkAgentSteps(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the Docker engine")
	}
	ctx := context.Background()
	h, err := Dial(ctx, HostConfig{Name: "local", Host: localEngine}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	instance := "bench-" + randomID()
	defer removeInstance(b, h.cli, instance)
	n := 0
	fresh := func(b *testing.B) string {
		b.Helper()
		n++
		id, err := h.CreateAgent(ctx, AgentSpec{
			Name: fmt.Sprintf("steps-%s-%d", instance, n), Image: testImage,
			Owner:  Owner{Instance: instance, Template: "bench", Node: fmt.Sprint(n), JenkinsURL: "http://jenkins.test/"},
			Labels: map[string]string{"io.berth.test": "dockerapi"},
			Cmd:    []string{"sleep"},
		})
		if err != nil {
			b.Fatal(err)
		}
		return id
	}
	secret := File{Content: []byte("0123456789abcdef0123456789abcdef"), Mode: 0o444}
	steps := []struct {
		name   string
		create bool // the timed step is the create itself
		step   func(id string) error
	}{
		{"create", true, nil},
		{"copy/parent-exists", false, func(id string) error {
			f := secret
			f.Path = "/etc/agent-secret"
			return h.CopyFile(ctx, id, f)
		}},
		{"copy/parents-missing", false, func(id string) error {
			f := secret
			f.Path = "/run/berth/agent-secret"
			return h.CopyFile(ctx, id, f)
		}},
		{"statpath", false, func(id string) error {
			_, err := h.cli.ContainerStatPath(ctx, id, client.ContainerStatPathOptions{Path: "/etc"})
			return err
		}},
		{"upload/implied-parents", false, func(id string) error {
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			hdr := &tar.Header{Typeflag: tar.TypeReg, Name: "run/berth/agent-secret", Mode: 0o444, Size: int64(len(secret.Content)), ModTime: time.Now()}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := tw.Write(secret.Content); err != nil {
				return err
			}
			if err := tw.Close(); err != nil {
				return err
			}
			_, err := h.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: &buf})
			return err
		}},
		{"start", false, func(id string) error { return h.Start(ctx, id) }},
	}
	for _, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				var id string
				if !s.create {
					id = fresh(b)
				}
				b.StartTimer()
				if s.create {
					id = fresh(b)
				} else if err := s.step(id); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := h.Remove(ctx, id, time.Second); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// removeInstance removes every container of instance, whatever happened.
func removeInstance(tb testing.TB, cli *client.Client, instance string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := client.Filters{}
	f.Add("label", LabelInstance+"="+instance)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		tb.Errorf("cleanup: list containers: %v", err)
		return
	}
	for _, c := range cs.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			tb.Errorf("cleanup: remove container %s: %v", c.ID, err)
		}
	}
}
