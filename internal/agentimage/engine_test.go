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

// selfTestRecipe is a tiny image with a unique repository, so that these tests never
// touch the images other tests use.
func selfTestRecipe(t *testing.T, write func(ctx context.Context, c *rootfsWriter) error) imageRecipe {
	repo := "berth-agentimage-selftest-" + randomSuffix()
	return imageRecipe{
		repo:        repo,
		kind:        "selftest",
		hash:        hashOf(t.Name(), repo),
		changes:     []string{`ENTRYPOINT ["/hello"]`, "LABEL " + testLabel + "=" + testLabelValue},
		writeRootfs: write,
	}
}

// repoTags lists the tags of repo on the engine.
func repoTags(ctx context.Context, t *testing.T, cli *client.Client, repo string) []string {
	t.Helper()
	list, err := cli.ImageList(ctx, client.ImageListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, s := range list.Items {
		for _, tag := range s.RepoTags {
			if strings.HasPrefix(tag, repo+":") {
				tags = append(tags, tag)
			}
		}
	}
	return tags
}

func removeRepo(t *testing.T, cli *client.Client, repo string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, tag := range repoTags(ctx, t, cli, repo) {
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
	removeRepo(t, cli, r.repo)

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
	if tags := repoTags(testContext(t), t, cli, r.repo); len(tags) != 1 || tags[0] != r.ref() {
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
	removeRepo(t, cli, r.repo)
	_, err := ensureImage(testContext(t), cli, r)
	if !errors.Is(err, boom) {
		t.Fatalf("ensureImage: %v, want the write error", err)
	}
	if tags := repoTags(testContext(t), t, cli, r.repo); len(tags) != 0 {
		t.Errorf("tags left after a failed build: %q", tags)
	}
}
