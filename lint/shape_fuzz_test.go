package lint

import (
	"reflect"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// FuzzParseShape: any shape YAML either parses or is refused with an
// EInvalid; never a panic. A parsed shape writes back (MarshalShape) to
// YAML that parses to the same shape, and declares only valid types.
func FuzzParseShape(f *testing.F) {
	for _, s := range []string{
		"",
		issueShapeYAML,
		"fields: [{name: Region, type: enum, values: [a, b], required: {status: [Published], severity: SEV-1}}]",
		"tags: {free: false, suggested: [dns]}\ntaxonomy: {factors: [a/b]}",
		"templates:\n  a: {extends: b}\n  b: {extends: default, restricted: true, sections: [X], fields: [Y]}\n",
		"fields:\n  - name: x\n    type: multi\n    values: [\"a,b\"]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		s, err := ParseShape([]byte(data))
		if err != nil {
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("error %v has code %q, want invalid", err, hindsight.ErrorCode(err))
			}
			return
		}
		for _, fd := range s.Fields {
			if !fd.Type.Valid() {
				t.Fatalf("field %q has type %q", fd.Name, fd.Type)
			}
		}
		b, err := MarshalShape(s)
		if err != nil {
			t.Fatalf("MarshalShape: %v", err)
		}
		back, err := ParseShape(b)
		if err != nil {
			t.Fatalf("ParseShape(MarshalShape(s)): %v\n%s", err, b)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip:\n%s\ngot  %#v\nwant %#v", b, back, s)
		}
	})
}
