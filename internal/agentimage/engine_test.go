package agentimage

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// selfTestRepo holds tiny images with unique tags, so that these tests never touch the
// images other tests use.
const selfTestRepo = "berth-agentimage-selftest"

func selfTestRecipe(t *testing.T, write func(ctx context.Context, c *rootfsWriter) error) imageRecipe {
	return imageRecipe{
		repo:        selfTestRepo,
		kind:        "selftest",
		hash:        hashOf(t.Name(), randomSuffix()),
		changes:     []string{`ENTRYPOINT ["/hello"]`, "LABEL " + testLabel + "=" + testLabelValue},
		writeRootfs: write,
	}
}

// refTags lists the tags on the engine that are ref or temporary tags made for ref.
func refTags(ctx context.Context, t *testing.T, cli *client.Client, ref string) []string {
	t.Helper()
	list, err := cli.ImageList(ctx, client.ImageListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, s := range list.Items {
		for _, tag := range s.RepoTags {
			if strings.HasPrefix(tag, ref) {
				tags = append(tags, tag)
			}
		}
	}
	return tags
}

// removeRef removes ref and its temporary tags when the test ends.
func removeRef(t *testing.T, cli *client.Client, ref string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, tag := range refTags(ctx, t, cli, ref) {
			if _, err := cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
				t.Errorf("remove %s: %v", tag, err)
			}
		}
	})
}

func TestEnsureImageConcurrentCallersBuildOnce(t *testing.T) {
	cli := newClient(t)
	var builds atomic.Int32
	r := selfTestRecipe(t, func(_ context.Context, c *rootfsWriter) error {
		return c.file("/hello", 0o755, []byte("hello"))
	})
	r.prepare = func(context.Context) (func(), error) {
		builds.Add(1)
		return func() {}, nil
	}
	removeRef(t, cli, r.ref())

	const callers = 4
	refs := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { refs[i], errs[i] = ensureImage(testContext(t), cli, r) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || refs[i] != r.ref() {
			t.Errorf("caller %d: %q, %v; want %q", i, refs[i], errs[i], r.ref())
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
	if tags := refTags(testContext(t), t, cli, r.ref()); len(tags) != 1 || tags[0] != r.ref() {
		t.Errorf("tags %q, want only %s (no temporary tag left)", tags, r.ref())
	}
	img, err := cli.ImageInspect(testContext(t), r.ref())
	if err != nil {
		t.Fatal(err)
	}
	if img.Config.Labels[LabelTestImage] != "selftest" || img.Config.Labels[LabelContentHash] != r.hash {
		t.Errorf("labels %v", img.Config.Labels)
	}
}

func TestEnsureImageReportsWriteFailure(t *testing.T) {
	cli := newClient(t)
	boom := errors.New("jre vanished")
	r := selfTestRecipe(t, func(_ context.Context, c *rootfsWriter) error {
		if err := c.file("/hello", 0o755, []byte("hello")); err != nil {
			return err
		}
		return boom
	})
	removeRef(t, cli, r.ref())
	_, err := ensureImage(testContext(t), cli, r)
	if !errors.Is(err, boom) {
		t.Fatalf("ensureImage: %v, want the write error", err)
	}
	if tags := refTags(testContext(t), t, cli, r.ref()); len(tags) != 0 {
		t.Errorf("tags left after a failed build: %q", tags)
	}
}
