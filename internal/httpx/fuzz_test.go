package httpx_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// FuzzDecode: any body decodes into a postmortem or fails with a 400 (or
// 413) in the one error shape that names no Go type.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"title":"x"}`, `{"title":5}`, `{"summary":{"start_time":1}}`, `[`, `{"a":1}`, `{"action_items":[{"owner":true}]}`, "\xff", `{"summary":{"duration":"1:30"}} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p hindsight.Postmortem
		err := httpx.Decoder{MaxBytes: 1 << 16}.Bytes(b, &p)
		if err == nil {
			return
		}
		st, d, internal := httpx.Describe(err)
		if internal || st != 400 || d.Code != httpx.CodeBadRequest || d.Message == "" {
			t.Fatalf("%q: %d %+v (%v)", b, st, d, err)
		}
		if len(d.Fields) == 1 && d.Fields[0].Message == "unknown field" {
			return // the message quotes the client's own field name
		}
		for _, n := range goNames {
			if strings.Contains(d.Message, n) {
				t.Fatalf("%q: the message shows %q: %s", b, n, d.Message)
			}
			for _, fe := range d.Fields {
				if strings.Contains(fe.Message, n) {
					t.Fatalf("%q: a field message shows %q: %s", b, n, fe.Message)
				}
			}
		}
	})
}

// FuzzShapeParams: any query string gives shape filters or a 400 naming
// one parameter; never a panic, never an empty label or value kept.
func FuzzShapeParams(f *testing.F) {
	for _, s := range []string{"tag=dns", "field.Region=us-east-1&factor=change/config", "field.=x", "tag=a&tag=b", "field.A=1&field.a=2", "field.%20=x", "tag=%ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		sh, err := httpx.ShapeParams(v)
		if err != nil {
			st, d, internal := httpx.Describe(err)
			if internal || st != 400 || len(d.Fields) != 1 || d.Fields[0].Field == "" {
				t.Fatalf("%q: %d %+v (%v)", raw, st, d, err)
			}
			return
		}
		for label, val := range sh.Fields {
			if strings.TrimSpace(label) == "" || strings.TrimSpace(val) == "" {
				t.Fatalf("%q: kept field %q=%q", raw, label, val)
			}
		}
	})
}
