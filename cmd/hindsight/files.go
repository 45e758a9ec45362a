package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

// maxDocBytes is the largest document the file commands read.
const maxDocBytes = 8 << 20

// readDoc reads a document from a path ("-" for stdin) and checks that it is
// text: the error names the file and the line. It never reads more than
// maxDocBytes+1 bytes, whatever the size of the file.
func readDoc(a *app, path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = readLimited(a.stdin, path)
	} else {
		b, err = readFileLimited(path)
	}
	if err != nil {
		return nil, err
	}
	if err := checkText(b); err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s:%v", displayPath(path), err)
	}
	return b, nil
}

// readFileLimited reads a file of at most maxDocBytes: a larger one is
// refused after reading one byte more than the limit, a directory at once.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("%s: %v", path, unwrapPathError(err)), Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("%s: %v", path, unwrapPathError(err)), Err: err}
	}
	if st.IsDir() {
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s: is a directory", path)
	}
	if st.Mode().IsRegular() && st.Size() > maxDocBytes {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "%s: larger than %d MiB", path, maxDocBytes>>20)
	}
	return readLimited(f, path)
}

// readLimited reads r up to maxDocBytes and refuses more.
func readLimited(r io.Reader, path string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDocBytes+1))
	if err != nil {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("%s: %v", displayPath(path), unwrapPathError(err)), Err: err}
	}
	if len(b) > maxDocBytes {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "%s: larger than %d MiB", displayPath(path), maxDocBytes>>20)
	}
	return b, nil
}

// checkWritable refuses, before anything is written, to replace a file that
// is read-only (no write permission bit set), as fmt -w and lint --fix would
// otherwise replace it through a rename.
func checkWritable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return hindsight.Errorf(hindsight.EInvalid, "%s: %v", path, unwrapPathError(err))
	}
	if st.Mode().Perm()&0o222 == 0 {
		return hindsight.Errorf(hindsight.EInvalid, "%s: read-only file; not rewritten (make it writable first)", path)
	}
	return nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func displayPath(p string) string {
	if p == "-" {
		return "<stdin>"
	}
	return p
}

// checkText refuses binary input: a NUL byte or invalid UTF-8, with the line.
func checkText(b []byte) error {
	line := 1
	for i := 0; i < len(b); {
		c := b[i]
		if c == '\n' {
			line++
		}
		if c == 0 {
			return fmt.Errorf("%d: NUL byte: not a text file", line)
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("%d: invalid UTF-8", line)
		}
		i += size
	}
	return nil
}

// markdownFiles expands arguments: files as given, directories walked for
// *.md and *.markdown files in lexical order. A symbolic link found while
// walking that cannot be followed (a loop, a dangling *.md link) or that
// leads back into an enclosing folder is an error naming it.
func markdownFiles(args []string) ([]string, error) {
	files, problems, err := docFiles(args, false)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, problems[0]
	}
	return files, nil
}

// docFiles expands arguments like markdownFiles, and with html also takes
// *.html and *.htm files (for import). Problems with single entries found
// while walking (symbolic link loops, dangling links) are returned apart so
// a caller may report them and go on.
func docFiles(args []string, html bool) (files []string, problems []error, err error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", a, unwrapPathError(err))
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == a {
					return err
				}
				problems = append(problems, hindsight.Errorf(hindsight.EInvalid, "%s: %v", p, unwrapPathError(err)))
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				name := d.Name()
				if p != a && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor") {
					return filepath.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(p))
			doc := ext == ".md" || ext == ".markdown" || (html && (ext == ".html" || ext == ".htm"))
			if d.Type()&fs.ModeSymlink != 0 {
				if perr := linkProblem(a, p, doc); perr != nil {
					problems = append(problems, perr)
					return nil
				}
				if doc && !insideDir(a, p) {
					// a link found by walking that leads out of the directory is
					// not read: naming the directory names what is in it
					return nil
				}
			}
			if doc {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", a, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, problems, nil
}

// linkProblem reports a symbolic link met while walking dir that is a loop
// (it resolves to itself, or to a folder that encloses it, which walking it
// would repeat forever) or, for a document, that leads nowhere. Links to
// other folders are not followed, as before.
func linkProblem(dir, path string, doc bool) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ELOOP) || strings.Contains(err.Error(), "too many links"):
			return hindsight.Errorf(hindsight.EInvalid, "%s: symbolic link loop; not read", path)
		case doc:
			return hindsight.Errorf(hindsight.EInvalid, "%s: symbolic link to a missing file (%v); not read", path, unwrapPathError(err))
		}
		return nil
	}
	st, err := os.Stat(target)
	if err != nil || !st.IsDir() {
		return nil
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if rel, err := filepath.Rel(target, abs); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
		return hindsight.Errorf(hindsight.EInvalid, "%s: symbolic link loop (it points to %s, a folder that encloses it); not followed", path, target)
	}
	return nil
}

// insideDir reports whether the link at path resolves to a file inside dir.
func insideDir(dir, path string) bool {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
