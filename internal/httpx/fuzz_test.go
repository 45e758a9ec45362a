package httpx_test

import (
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
