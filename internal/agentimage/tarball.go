package agentimage

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// tarEpochUnix (2000-01-01) is the modification time of every entry, so that identical
// content makes an identical layer.
const tarEpochUnix = 946684800

// rootfsWriter writes an image's file system as a tar whose directories are created on
// first use.
type rootfsWriter struct {
	tw   *tar.Writer
	dirs map[string]bool
}

func newRootfsWriter(w io.Writer) *rootfsWriter {
	return &rootfsWriter{tw: tar.NewWriter(w), dirs: map[string]bool{}}
}

func (c *rootfsWriter) close() error { return c.tw.Close() }

// dir adds the directory name (slash-separated, relative) with mode, and its parents.
func (c *rootfsWriter) dir(name string, mode int64) error {
	name = entryName(name)
	if name == "." || name == "" || c.dirs[name] {
		return nil
	}
	if err := c.dir(path.Dir(name), 0o755); err != nil {
		return err
	}
	c.dirs[name] = true
	return c.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: time.Unix(tarEpochUnix, 0), Format: tar.FormatPAX})
}

// entryName makes name (slash-separated, absolute or not) a tar entry name.
func entryName(name string) string { return strings.TrimLeft(path.Clean(name), "/") }

// file adds a regular file with the given content.
func (c *rootfsWriter) file(name string, mode int64, data []byte) error {
	name = entryName(name)
	if err := c.dir(path.Dir(name), 0o755); err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: time.Unix(tarEpochUnix, 0), Format: tar.FormatPAX}
	if err := c.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := c.tw.Write(data)
	return err
}

// fileFrom adds the file at src (symbolic links followed) as name, keeping its mode.
func (c *rootfsWriter) fileFrom(name, src string) error {
	name = entryName(name)
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("add %s to image: %w", src, err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("add %s to image: %w", src, err)
	}
	if err := c.dir(path.Dir(name), 0o755); err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(st.Mode().Perm()), Size: st.Size(), ModTime: time.Unix(tarEpochUnix, 0), Format: tar.FormatPAX}
	if err := c.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.Copy(c.tw, f); err != nil {
		return fmt.Errorf("add %s to image: %w", src, err)
	}
	return nil
}

// tree adds the directory tree at src under name. Relative symbolic links that stay
// inside the tree are kept as links; other links are replaced by what they point to.
func (c *rootfsWriter) tree(name, src string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("add %s to image: %w", p, err)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := entryName(path.Join(name, filepath.ToSlash(rel)))
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return fmt.Errorf("add %s to image: %w", p, err)
			}
			return c.dir(target, int64(info.Mode().Perm()))
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("add %s to image: %w", p, err)
			}
			resolved := filepath.Join(filepath.Dir(p), link)
			if !filepath.IsAbs(link) && strings.HasPrefix(resolved, filepath.Clean(src)+string(filepath.Separator)) {
				if err := c.dir(path.Dir(target), 0o755); err != nil {
					return err
				}
				return c.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: target, Linkname: link, Mode: 0o777, ModTime: time.Unix(tarEpochUnix, 0), Format: tar.FormatPAX})
			}
			return c.fileFrom(target, p)
		default:
			return c.fileFrom(target, p)
		}
	})
}
