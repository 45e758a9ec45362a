package web

import (
	"strings"
	"testing"
)

// render writes a word diff as text: "-"/"+"/" " per line, changed words
// in [-...-] and {+...+}.
func renderWordDiff(lines []wordLine) string {
	var b strings.Builder
	for _, l := range lines {
		switch l.Kind {
		case "add":
			b.WriteString("+")
		case "del":
			b.WriteString("-")
		case "ctx":
			b.WriteString(" ")
		}
		for _, s := range l.Segs {
			switch s.Op {
			case "ins":
				b.WriteString("{+" + s.Text + "+}")
			case "del":
				b.WriteString("[-" + s.Text + "-]")
			default:
				b.WriteString(s.Text)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestWordDiff(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{
			name: "one word changed",
			old:  "| 14:02 | deploy started |\n",
			new:  "| 14:02 | canary deploy started |\n",
			want: "@@ -1,1 +1,1 @@\n-| 14:02 | deploy started |\n+| 14:02 | {+canary +}deploy started |\n",
		},
		{
			name: "time changed inside a row",
			old:  "| 14:02 | deploy started |\n",
			new:  "| 14:07 | deploy started |\n",
			want: "@@ -1,1 +1,1 @@\n-| 14:[-02-] | deploy started |\n+| 14:{+07+} | deploy started |\n",
		},
		{
			name: "added row above keeps the row unchanged",
			old:  "# T\n\n| 14:02 | deploy started |\n",
			new:  "# T\n\n| 13:55 | alert fired |\n| 14:02 | deploy started |\n",
			want: "@@ -1,3 +1,4 @@\n # T\n \n+| 13:55 | alert fired |\n | 14:02 | deploy started |\n",
		},
		{
			name: "unrelated lines are not refined",
			old:  "The database ran out of connections.\n",
			new:  "Nobody paged anyone for an hour!\n",
			want: "@@ -1,1 +1,1 @@\n-The database ran out of connections.\n+Nobody paged anyone for an hour!\n",
		},
		{
			name: "words with accents",
			old:  "Café fermé à 14h\n",
			new:  "Café ouvert à 14h\n",
			want: "@@ -1,1 +1,1 @@\n-Café [-fermé-] à 14h\n+Café {+ouvert+} à 14h\n",
		},
		{
			name: "removed line",
			old:  "a\nb\nc\n",
			new:  "a\nc\n",
			want: "@@ -1,3 +1,2 @@\n a\n-b\n c\n",
		},
		{
			name: "no final newline",
			old:  "x y",
			new:  "x z",
			want: "@@ -1,1 +1,1 @@\n-x [-y-]\n+x {+z+}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderWordDiff(wordDiff(tt.old, tt.new))
			if got != tt.want {
				t.Errorf("wordDiff:\n got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestWordDiffLineNumbers(t *testing.T) {
	old := strings.Repeat("same\n", 10) + "old words here\n" + strings.Repeat("tail\n", 10)
	new := strings.Repeat("same\n", 10) + "new words here\n" + strings.Repeat("tail\n", 10)
	lines := wordDiff(old, new)
	var del, add *wordLine
	for i := range lines {
		switch lines[i].Kind {
		case "del":
			del = &lines[i]
		case "add":
			add = &lines[i]
		}
	}
	if del == nil || add == nil {
		t.Fatalf("want a removed and an added line, got %s", renderWordDiff(lines))
	}
	if del.Old != 11 || add.New != 11 {
		t.Errorf("line numbers: removed %d, added %d; want 11 and 11", del.Old, add.New)
	}
	if lines[0].Kind != "hunk" || lines[0].Segs[0].Text != "@@ -8,7 +8,7 @@" {
		t.Errorf("hunk header = %+v, want @@ -8,7 +8,7 @@", lines[0])
	}
}

func TestWordTokensJoin(t *testing.T) {
	for _, s := range []string{"", "a", "14:02 deploy — started, ok?", "  x\t\ty  ", "naïve café_2 ✓"} {
		if got := strings.Join(wordTokens(s), ""); got != s {
			t.Errorf("wordTokens(%q) joined = %q", s, got)
		}
	}
	got := wordTokens("14:02 deploy")
	want := []string{"14", ":", "02", " ", "deploy"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wordTokens = %q, want %q", got, want)
	}
}

// FuzzWordDiff: the diff never panics, and its old and new sides give back
// the changed lines of both texts.
func FuzzWordDiff(f *testing.F) {
	f.Add("| 14:02 | deploy |\n", "| 13:00 | x |\n| 14:02 | deploy started |\n")
	f.Add("a", "")
	f.Add("", "b\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		for _, l := range wordDiff(old, new) {
			var text strings.Builder
			for _, s := range l.Segs {
				if l.Kind == "del" && s.Op == "ins" || l.Kind == "add" && s.Op == "del" {
					t.Fatalf("%s line has a %s segment", l.Kind, s.Op)
				}
				text.WriteString(s.Text)
			}
			switch l.Kind {
			case "del":
				if !strings.Contains(old, text.String()) {
					t.Fatalf("removed line %q not in the old text", text.String())
				}
			case "add":
				if !strings.Contains(new, text.String()) {
					t.Fatalf("added line %q not in the new text", text.String())
				}
			}
		}
	})
}

// TestWordDiffPairsEditedRow: a row added above an edited row does not
// hide the edit: the removed line pairs with the added line most like it.
func TestWordDiffPairsEditedRow(t *testing.T) {
	old := "| 21:50 | promoted |\n| 21:51 | Alert fires and pages the Checkout on-call. |\n| 21:52 | recovers |\n"
	new := "| 21:50 | promoted |\n| 21:51 | The synthetic probe fails. |\n| 21:51 | Alert fires and pages the Checkout on-call; Dana acknowledges. |\n| 21:52 | recovers |\n"
	got := renderWordDiff(wordDiff(old, new))
	want := "@@ -1,3 +1,4 @@\n" +
		" | 21:50 | promoted |\n" +
		"-| 21:51 | Alert fires and pages the Checkout on-call. |\n" +
		"+| 21:51 | The synthetic probe fails. |\n" +
		"+| 21:51 | Alert fires and pages the Checkout on-call{+; Dana acknowledges+}. |\n" +
		" | 21:52 | recovers |\n"
	if got != want {
		t.Errorf("wordDiff:\n got:\n%s\nwant:\n%s", got, want)
	}
}
