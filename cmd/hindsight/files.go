package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

// maxDocBytes is the largest document the file commands read.
const maxDocBytes = 8 << 20

// readDoc reads a document from a path ("-" for stdin) and checks that it is
// text: the error names the file and the line.
func readDoc(a *app, path string) ([]byte, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(a.stdin, maxDocBytes+1))
	} else {
		var f *os.File
		f, err = os.Open(path)
		if err == nil {
			defer f.Close()
			var st os.FileInfo
			if st, err = f.Stat(); err == nil && st.IsDir() {
				return nil, hindsight.Errorf(hindsight.EInvalid, "%s: is a directory", path)
			}
			if err == nil {
				b, err = io.ReadAll(io.LimitReader(f, maxDocBytes+1))
			}
		}
	}
	if err != nil {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("%s: %v", displayPath(path), unwrapPathError(err)), Err: err}
	}
	if len(b) > maxDocBytes {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "%s: larger than %d MiB", displayPath(path), maxDocBytes>>20)
	}
	if err := checkText(b); err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s:%v", displayPath(path), err)
	}
	return b, nil
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
// *.md and *.markdown files in lexical order.
func markdownFiles(args []string) ([]string, error) {
	return docFiles(args, false)
}

// docFiles is markdownFiles; html also takes *.html and *.htm files (for
// import).
func docFiles(args []string, html bool) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", a, unwrapPathError(err))
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				name := d.Name()
				if p != a && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor") {
					return filepath.SkipDir
				}
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(p)); ext != ".md" && ext != ".markdown" && !(html && (ext == ".html" || ext == ".htm")) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 && !insideDir(a, p) {
				// a link found by walking that leads out of the directory is
				// not read: naming the directory names what is in it
				return nil
			}
			found = append(found, p)
			return nil
		})
		if err != nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", a, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
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
