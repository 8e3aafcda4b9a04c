package agentimage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// imageRecipe describes one image to build.
type imageRecipe struct {
	repo string // repository, e.g. berth-testagent
	kind string // value of LabelTestImage
	hash string // content hash; its first hashLen characters make the tag
	// prepare, when set, runs before a build (not when the image exists) and returns the
	// function that removes what it made.
	prepare func(ctx context.Context) (cleanup func(), err error)
	// changes are the image configuration, as Dockerfile instructions that ImageImport
	// accepts (ENTRYPOINT, ENV, EXPOSE, WORKDIR, ...); the labels are added to them.
	changes []string
	// writeRootfs writes the image's file system.
	writeRootfs func(ctx context.Context, c *rootfsWriter) error
}

// hashLen is the length of the hash in image tags.
const hashLen = 12

func (r imageRecipe) ref() string { return r.repo + ":" + r.hash[:hashLen] }

// imageExists reports whether ref names an image on the engine.
func imageExists(ctx context.Context, cli *client.Client, ref string) (bool, error) {
	_, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspect image %s: %w", ref, err)
}

// ensureImage returns r's reference, building the image when it does not exist yet. The
// build runs under a lock and a unique temporary tag, and the result is then tagged, so
// concurrent callers never use a half-built image; a concurrent caller that tagged first
// simply wins.
func ensureImage(ctx context.Context, cli *client.Client, r imageRecipe) (string, error) {
	ref := r.ref()
	if ok, err := imageExists(ctx, cli, ref); err != nil {
		return "", err
	} else if ok {
		return ref, nil
	}
	unlock, err := lockBuild(ctx, r.repo)
	if err != nil {
		return "", err
	}
	defer unlock()
	if ok, err := imageExists(ctx, cli, ref); err != nil {
		return "", err
	} else if ok {
		return ref, nil
	}
	if r.prepare != nil {
		cleanup, err := r.prepare(ctx)
		if err != nil {
			return "", err
		}
		defer cleanup()
	}
	tmp := ref + "-build-" + randomSuffix()
	if err := importImage(ctx, cli, r, tmp); err != nil {
		return "", err
	}
	if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: tmp, Target: ref}); err != nil {
		return "", fmt.Errorf("tag image %s as %s: %w", tmp, ref, err)
	}
	if _, err := cli.ImageRemove(ctx, tmp, client.ImageRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("remove temporary tag %s: %w", tmp, err)
	}
	return ref, nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// importImage streams r's file system to the engine as a one-layer image tagged tag
// (the Engine API's image import, what `docker import` does) with r's configuration
// changes and labels. Importing avoids the intermediate containers the classic builder
// commits for every instruction, which cost most of a build's time.
func importImage(ctx context.Context, cli *client.Client, r imageRecipe, tag string) error {
	pr, pw := io.Pipe()
	writeErr := make(chan error, 1)
	go func() {
		c := newRootfsWriter(pw)
		err := r.writeRootfs(ctx, c)
		if err == nil {
			err = c.close()
		}
		_ = pw.CloseWithError(err)
		writeErr <- err
	}()
	changes := append(append([]string{}, r.changes...),
		fmt.Sprintf("LABEL %s=%s %s=%s", LabelTestImage, r.kind, LabelContentHash, r.hash))
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: pr, SourceName: "-"}, tag,
		client.ImageImportOptions{Changes: changes})
	if err != nil {
		_ = pr.CloseWithError(err)
		if werr := <-writeErr; werr != nil {
			return fmt.Errorf("import image %s: write file system: %w", tag, werr)
		}
		return fmt.Errorf("import image %s: %w", tag, err)
	}
	streamErr := readProgress(res)
	_ = res.Close()
	_ = pr.CloseWithError(errors.New("import finished"))
	if err := <-writeErr; err != nil {
		return fmt.Errorf("import image %s: write file system: %w", tag, err)
	}
	if streamErr != nil {
		return fmt.Errorf("import image %s: %w", tag, streamErr)
	}
	return nil
}

// readProgress reads the engine's JSON message stream to its end and returns the error it
// reports, with the last lines of output for context.
func readProgress(body io.Reader) error {
	dec := json.NewDecoder(body)
	var tail []string
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read engine progress: %w", err)
		}
		if s := strings.TrimSpace(m.Stream + m.Status); s != "" {
			tail = append(tail, s)
			if len(tail) > 5 {
				tail = tail[1:]
			}
		}
		if m.Error != nil {
			return fmt.Errorf("%s (output: %s)", m.Error.Message, strings.Join(tail, " | "))
		}
	}
}
