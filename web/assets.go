package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static templates/*.html
var files embed.FS

// HTMXVersion is the version of htmx embedded under static/ (htmx.org from
// the npm registry; see docs/web.md for how to update it).
const HTMXVersion = "2.0.11"

// asset is one embedded static file, served under a content-hashed URL.
type asset struct {
	name  string // file name under static/
	hash  string // first 16 hex digits of the SHA-256 of the content
	body  []byte
	ctype string
}

// assets holds the static files by name, each with its hashed URL.
type assets struct {
	byName map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		a.byName[name] = &asset{name: name, hash: hex.EncodeToString(sum[:8]), body: b, ctype: contentType(name)}
		return nil
	})
	return a, err
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}

// URL returns the content-hashed URL of a static file ("/static/<hash>/htmx.min.js").
// An unknown name is a programming error in a template: it returns a URL
// that answers 404, so the page still renders.
func (a *assets) URL(name string) string {
	if f, ok := a.byName[name]; ok {
		return "/static/" + f.hash + "/" + f.name
	}
	return "/static/missing/" + name
}

// ServeHTTP serves GET /static/{hash}/{name}: with the current hash it may
// be cached for a year; with an old hash (a page from before an upgrade) it
// gets the current content, not cached.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byName[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.PathValue("hash") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", `"`+f.hash+`"`)
		if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(f.body)
}

// AssetURL returns the content-hashed URL of a static file ("app.css",
// "htmx.min.js"), for pages served by other packages.
func (u *UI) AssetURL(name string) string { return u.assets.URL(name) }

// favicon answers browsers' default /favicon.ico request with a redirect
// to the icon the layout links (an SVG under its hashed URL).
func (u *UI) favicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, u.assets.URL("favicon.svg"), http.StatusFound)
}
