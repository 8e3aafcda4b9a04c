package agentimage

import (
	"errors"
	"reflect"
	"testing"

	"github.com/moby/moby/api/types/container"
)

func TestAgentJarContainer(t *testing.T) {
	cli := newClient(t)
	ref, err := AgentJar(testContext(t), cli)
	if errors.Is(err, ErrNoJDK) || errors.Is(err, ErrNoAgentJar) {
		t.Skipf("AgentJar: %v", err)
	}
	if err != nil {
		t.Fatalf("AgentJar: %v", err)
	}
	img, err := cli.ImageInspect(testContext(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Config.Labels[LabelTestImage]; got != KindAgentJar {
		t.Errorf("label %s = %q, want %q", LabelTestImage, got, KindAgentJar)
	}

	t.Run("connects with the secret file", func(t *testing.T) {
		fc := newFakeController(t, testNode, testSecret)
		id := createContainer(t, cli, &container.Config{
			Image: ref,
			Env:   []string{"JENKINS_URL=" + fc.URL + "/", "JENKINS_AGENT_NAME=" + testNode, "JENKINS_WEB_SOCKET=true"},
			Cmd:   []string{"-secret", "@/run/berth/secret", "-workDir", "/home/jenkins/agent"},
		}, &container.HostConfig{NetworkMode: "host"})
		copyFile(t, cli, id, "/run", "berth/secret", 0o400, []byte(testSecret+"\n"))
		startContainer(t, cli, id)
		h := fc.next(t)
		if h.Name != testNode || h.Secret != testSecret {
			t.Errorf("agent.jar handshake: name %q, secret right %v", h.Name, h.Secret == testSecret)
		}
		noSecretIn(t, inspect(t, cli, id), testSecret)
	})
	t.Run("wrong secret is refused", func(t *testing.T) {
		fc := newFakeController(t, testNode, "the-controller-secret")
		id := createContainer(t, cli, &container.Config{
			Image: ref,
			Env: []string{"JENKINS_URL=" + fc.URL + "/", "JENKINS_AGENT_NAME=" + testNode, "JENKINS_WEB_SOCKET=true",
				"JENKINS_SECRET=" + testSecret},
		}, &container.HostConfig{NetworkMode: "host"})
		startContainer(t, cli, id)
		if code := waitExit(t, cli, id); code != 255 {
			t.Errorf("agent.jar exit code %d, want 255", code)
		}
		if got := fc.refusals(); !reflect.DeepEqual(got, []int{403}) {
			t.Errorf("controller refusals %v, want [403]", got)
		}
	})
}

func TestParseLdd(t *testing.T) {
	out := `/tmp/b/jre/bin/java:
	linux-vdso.so.1 (0x00007ffd5b5f3000)
	libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f65e9aca000)
	libjli.so => /tmp/b/jre/bin/../lib/libjli.so (0x00007f65e9aba000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f65e98d8000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f65e9b01000)
/tmp/b/jre/lib/libnet.so:
	libjvm.so => not found
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0000000000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0000000000)
`
	got := parseLdd(out, "/tmp/b/jre")
	want := []string{"/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libm.so.6"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseLdd =\n%q\nwant\n%q", got, want)
	}
}
