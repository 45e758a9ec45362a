package chat

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// MaxBytes bounds what Parse reads: a file, and the whole of an export's
// files once unzipped.
const MaxBytes = 64 << 20

// Parse reads the file name (used in errors) holding data: a Slack export
// zip, a Slack day file or conversations.history answer, a Teams
// chatMessage or collection, or pasted text. A file that is none of them,
// or is one with a bad value, is an EInvalid error naming the file and the
// line.
func Parse(name string, data []byte, opt Options) (*Transcript, error) {
	if len(data) > MaxBytes {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "%s: %d bytes: at most %d", name, len(data), MaxBytes)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, perr(name, 0, "not a readable zip file: %v", err)
		}
		return ParseExport(name, zr)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	if looksJSON(trimmed) {
		return parseJSON(name, data)
	}
	return parseText(name, string(data), opt)
}

// looksJSON reports whether b starts like a JSON object or array of objects
// (pasted text may start with "[14:02]").
func looksJSON(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] == '{' {
		return true
	}
	if b[0] != '[' {
		return false
	}
	rest := bytes.TrimLeft(b[1:], " \t\r\n")
	return len(rest) > 0 && (rest[0] == '{' || rest[0] == ']')
}

// parseJSON reads a Slack day file or history answer, or Teams JSON.
func parseJSON(name string, data []byte) (*Transcript, error) {
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonErr(name, data, err)
	}
	switch v := probe.(type) {
	case []any:
		if len(v) == 0 {
			return &Transcript{Format: "slack-history"}, nil
		}
		first, _ := v[0].(map[string]any)
		if _, ok := first["createdDateTime"]; ok {
			return parseTeams(name, data, true)
		}
		msgs, err := parseSlackMessages(name, data, nil, "")
		if err != nil {
			return nil, err
		}
		return &Transcript{Format: "slack-history", Messages: msgs}, nil
	case map[string]any:
		_, hasMessages := v["messages"]
		if _, hasOK := v["ok"]; hasMessages || hasOK {
			return parseSlackHistory(name, data)
		}
		if _, ok := v["value"]; ok {
			return parseTeams(name, data, false)
		}
		if _, ok := v["createdDateTime"]; ok {
			return parseTeams(name, data, false)
		}
		if _, ok := v["ts"]; ok {
			msgs, err := parseSlackMessages(name, []byte("["+string(data)+"]"), nil, "")
			if err != nil {
				return nil, err
			}
			return &Transcript{Format: "slack-history", Messages: msgs}, nil
		}
	}
	return nil, perr(name, 1, "JSON that is no chat transcript this version reads: want a Slack export or day file, a conversations.history answer ({\"ok\":true,\"messages\":[...]}) or Teams chatMessage JSON")
}

// jsonErr names the line of a JSON error.
func jsonErr(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return perr(name, lineOf(data, se.Offset), "not valid JSON: %v", se)
	case errors.As(err, &te):
		// the JSON path without Go's names of embedded structs
		var parts []string
		for _, p := range strings.Split(te.Field, ".") {
			if p != "" && (p[0] < 'A' || p[0] > 'Z') {
				parts = append(parts, p)
			}
		}
		field := strings.Join(parts, ".")
		if field == "" {
			field = "value"
		}
		return perr(name, lineOf(data, te.Offset), "%s: JSON %s where %s was expected", field, te.Value, te.Type)
	}
	return perr(name, 0, "%v", err)
}

func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// ParseExport reads a Slack workspace export from fsys (a zip.Reader or a
// directory: os.DirFS): users.json and channels.json (and groups.json,
// mpims.json, dms.json when present) for names, and every channel folder's
// day files. name is the export's name in errors.
func ParseExport(name string, fsys fs.FS) (*Transcript, error) {
	budget := int64(MaxBytes)
	read := func(p string) ([]byte, error) {
		f, err := fsys.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err != nil {
			return nil, perr(name+": "+p, 0, "cannot open: %v", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, budget+1))
		if err != nil {
			return nil, perr(name+": "+p, 0, "cannot read: %v", err)
		}
		budget -= int64(len(b))
		if budget < 0 {
			return nil, hindsight.Errorf(hindsight.ETooLarge, "%s: the export unpacks to more than %d bytes", name, MaxBytes)
		}
		return b, nil
	}
	users := map[string]string{}
	if b, err := read("users.json"); err == nil {
		var us []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			RealName string `json:"real_name"`
			Profile  struct {
				DisplayName string `json:"display_name"`
				RealName    string `json:"real_name"`
			} `json:"profile"`
		}
		if err := json.Unmarshal(b, &us); err != nil {
			return nil, jsonErr(name+": users.json", b, err)
		}
		for _, u := range us {
			users[u.ID] = firstNonEmpty(u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	channels := map[string]string{} // folder -> label
	for _, list := range []string{"channels.json", "groups.json", "mpims.json", "dms.json"} {
		b, err := read(list)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var cs []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(b, &cs); err != nil {
			return nil, jsonErr(name+": "+list, b, err)
		}
		for _, c := range cs {
			if c.Name != "" {
				channels[c.Name] = "#" + c.Name
			} else if c.ID != "" {
				channels[c.ID] = c.ID
			}
		}
	}
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".json" || !strings.Contains(p, "/") {
			return nil
		}
		if _, err := time.Parse("2006-01-02", strings.TrimSuffix(path.Base(p), ".json")); err != nil {
			return nil // not a day file
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, perr(name, 0, "cannot list the export: %v", err)
	}
	if len(files) == 0 {
		return nil, perr(name, 0, "no day files (CHANNEL/YYYY-MM-DD.json): not a Slack export")
	}
	slices.Sort(files)
	t := &Transcript{Format: "slack-export"}
	for _, p := range files {
		b, err := read(p)
		if err != nil {
			return nil, err
		}
		folder := path.Base(path.Dir(p))
		label := channels[folder]
		if label == "" {
			label = "#" + folder
		}
		msgs, err := parseSlackMessages(name+": "+p, b, users, label)
		if err != nil {
			return nil, err
		}
		t.Messages = append(t.Messages, msgs...)
	}
	sortMessages(t.Messages)
	return t, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// parseTS reads a Slack ts ("1701612345.000200": seconds and microseconds
// since the epoch).
func parseTS(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	if sec == "" || len(sec) > 12 || len(frac) > 9 {
		return time.Time{}, false
	}
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, false
	}
	ns := int64(0)
	if frac != "" {
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return time.Time{}, false
		}
		ns = f
		for i := len(frac); i < 9; i++ {
			ns *= 10
		}
	}
	t := time.Unix(s, ns).UTC()
	if t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}
