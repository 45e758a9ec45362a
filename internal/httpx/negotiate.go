package httpx

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// ContentType returns the media type of the request body: MediaJSON, or
// MediaMarkdown when md says Markdown is accepted. A missing, malformed or
// other Content-Type, or a charset other than UTF-8, is 415 unsupported.
func ContentType(r *http.Request, md bool) (string, error) {
	want := MediaJSON
	if md {
		want += " or " + MediaMarkdown
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", hindsight.Errorf(hindsight.EUnsupport, "Content-Type is missing: want %s", want)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", hindsight.Errorf(hindsight.EUnsupport, "Content-Type %q is malformed: want %s", ct, want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return "", hindsight.Errorf(hindsight.EUnsupport, "charset %q is not supported: send UTF-8", cs)
	}
	switch {
	case mt == MediaJSON:
		return MediaJSON, nil
	case md && (mt == MediaMarkdown || mt == "text/x-markdown"):
		return MediaMarkdown, nil
	}
	return "", hindsight.Errorf(hindsight.EUnsupport, "Content-Type %s is not supported: want %s", mt, want)
}

// Negotiate picks the first of offers the Accept header takes with the
// highest quality; no Accept header takes the first offer. None
// acceptable is 406 not_acceptable.
func Negotiate(r *http.Request, offers ...string) (string, error) {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return offers[0], nil
	}
	type rng struct {
		typ string
		q   float64
	}
	var ranges []rng
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(qs, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
			ranges = append(ranges, rng{mt, q})
		}
	}
	if len(ranges) == 0 {
		return offers[0], nil
	}
	quality := func(offer string) float64 {
		best, spec := 0.0, -1
		typ, _, _ := strings.Cut(offer, "/")
		for _, g := range ranges {
			s := -1
			switch {
			case g.typ == offer:
				s = 2
			case g.typ == typ+"/*":
				s = 1
			case g.typ == "*/*":
				s = 0
			}
			if s > spec {
				best, spec = g.q, s
			}
		}
		return best
	}
	type cand struct {
		offer string
		q     float64
	}
	var cs []cand
	for _, o := range offers {
		if q := quality(o); q > 0 {
			cs = append(cs, cand{o, q})
		}
	}
	if len(cs) == 0 {
		return "", &Error{Status: http.StatusNotAcceptable, Code: CodeNotAcceptable,
			Message: "none of the media types in Accept is available: want " + strings.Join(offers, " or ")}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].offer, nil
}
