package dockerapi

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// File is one file to put into a container before it starts.
type File struct {
	Path    string      // absolute path in the container
	Content []byte      // never logged
	Mode    fs.FileMode // permission bits; 0 means 0644
	UID     int         // owner
	GID     int
}

// CopyFile writes f into a created (not yet started) container. Missing
// parent directories are created with mode 0755 and owned by f.UID:f.GID;
// existing ones are left as they are.
func (h *Host) CopyFile(ctx context.Context, id string, f File) error {
	op := fmt.Sprintf("copy file %s into container %s", f.Path, shortID(id))
	p := path.Clean(f.Path)
	if !strings.HasPrefix(p, "/") || p == "/" {
		return h.opErr(op, ErrInvalid, errors.New("file path must be absolute and name a file"))
	}
	if f.UID < 0 || f.GID < 0 {
		return h.opErr(op, ErrInvalid, errors.New("uid and gid must not be negative"))
	}
	return h.call(ctx, op, func(ctx context.Context) error {
		// Find the deepest existing ancestor, so that the archive creates
		// only missing directories and never rewrites the owner or mode of
		// existing ones.
		base := path.Dir(p)
		var missing []string
		for base != "/" {
			_, err := h.cli.ContainerStatPath(ctx, id, client.ContainerStatPathOptions{Path: base})
			if err == nil {
				break
			}
			if classify(err) != ErrNotFound {
				return err
			}
			missing = append([]string{path.Base(base)}, missing...)
			base = path.Dir(base)
		}
		archive, err := tarFile(missing, path.Base(p), f)
		if err != nil {
			return err
		}
		_, err = h.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{
			DestinationPath: base,
			Content:         bytes.NewReader(archive),
		})
		return err
	})
}

// tarFile builds an archive of the directories dirs (nested, in order) and
// the file name inside the innermost one.
func tarFile(dirs []string, name string, f File) ([]byte, error) {
	mode := f.Mode.Perm() | f.Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	if mode == 0 {
		mode = 0o644
	}
	now := time.Now()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	rel := ""
	for _, d := range dirs {
		rel = path.Join(rel, d)
		if err := tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeDir, Name: rel + "/", Mode: 0o755,
			Uid: f.UID, Gid: f.GID, ModTime: now, Format: tar.FormatPAX,
		}); err != nil {
			return nil, err
		}
	}
	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: path.Join(rel, name), Size: int64(len(f.Content)),
		Mode: int64(mode.Perm()), Uid: f.UID, Gid: f.GID, ModTime: now, Format: tar.FormatPAX,
	}
	if mode&fs.ModeSetuid != 0 {
		hdr.Mode |= 0o4000
	}
	if mode&fs.ModeSetgid != 0 {
		hdr.Mode |= 0o2000
	}
	if mode&fs.ModeSticky != 0 {
		hdr.Mode |= 0o1000
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(f.Content); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
