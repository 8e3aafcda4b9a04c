package config

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem in a configuration file. Load and Parse return all
// problems they find joined with errors.Join; errors.As finds the first one.
type Error struct {
	// File is the file name as given to Load or Parse.
	File string
	// Line is the 1-based line of the key (or of the nearest enclosing key
	// when the key is missing); 0 when unknown.
	Line int
	// Path is the key path as spelled in the file, e.g. "templates[1].idleTimeout";
	// "" when the problem concerns the file as a whole.
	Path string
	// Msg says what is wrong. It never contains a secret.
	Msg string
	// Err is the underlying cause (an *fs.PathError, say), or nil.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// maxErrors bounds how many problems one load reports; a file that is wrong
// throughout (not YAML for berth at all) would otherwise produce pages.
const maxErrors = 30

// problems collects the errors and warnings of one load, and knows the line
// of every key path that was written in the file.
type problems struct {
	file     string
	lines    map[string]int // key path → line, for every key present (non-null)
	errs     []error
	dropped  int
	warnings []string
}

func newProblems(file string) *problems {
	return &problems{file: file, lines: map[string]int{}}
}

// present reports whether the key path was written in the file with a
// non-null value.
func (p *problems) present(path string) bool {
	_, ok := p.lines[path]
	return ok
}

// lineOf is the line of path, or of its nearest enclosing key present.
func (p *problems) lineOf(path string) int {
	for path != "" {
		if l, ok := p.lines[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

func (p *problems) add(e *Error) {
	if len(p.errs) >= maxErrors {
		p.dropped++
		return
	}
	p.errs = append(p.errs, e)
}

// errf records a problem at a key path; the line is looked up.
func (p *problems) errf(path, format string, args ...any) {
	p.add(&Error{File: p.file, Line: p.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// errAt records a problem at a known line.
func (p *problems) errAt(line int, path, format string, args ...any) {
	p.add(&Error{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// errCause records a problem with an underlying cause; msg must already
// describe it (the cause is kept for errors.Is, not printed again).
func (p *problems) errCause(path string, cause error, format string, args ...any) {
	p.add(&Error{File: p.file, Line: p.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...), Err: cause})
}

// warnf records a warning at a key path, formatted like an error.
func (p *problems) warnf(path, format string, args ...any) {
	e := &Error{File: p.file, Line: p.lineOf(path), Path: path, Msg: fmt.Sprintf(format, args...)}
	p.warnings = append(p.warnings, e.Error())
}

func (p *problems) failed() bool { return len(p.errs) > 0 }

// err joins the problems recorded, or returns nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("%s: %d more problems not shown", p.file, p.dropped))
	}
	return errors.Join(errs...)
}

// childPath and indexPath build key paths as the file spells them.
func childPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}

// parentPath strips the last ".key" or "[i]" from a path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}
