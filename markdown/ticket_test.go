package markdown

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestTicketColumn: the action items table's Ticket column (also "Issue",
// "Tracker", any case) is ActionItem.Ticket, kept in its place among the
// extra columns, and the document reads back the same (issue 20).
func TestTicketColumn(t *testing.T) {
	head := "## Action Items\n\n"
	cases := []struct {
		name    string
		in      string
		tickets []string
		cells   [][]string
		columns []string
		// table is the canonical table rendered (its header and first row)
		table string
	}{
		{"ticket after the others", head + "| ID | Action | Owner | Priority | Target Date | Status | Ticket |\n|--|--|--|--|--|--|--|\n| AI-001 | add alert | dana | P1 | 2026-12-20 | Open | org/repo#12 |\n",
			[]string{"org/repo#12"}, [][]string{nil}, []string{"Ticket"},
			"| AI-001 | add alert | dana | P1 | 2026-12-20 | Open | org/repo#12 |"},
		{"issue between extra columns keeps its place", head + "| Action | Notes | issue | Link |\n|--|--|--|--|\n| add alert | soon | OPS-7 | sre |\n| rotate keys | | | db |\n",
			[]string{"OPS-7", ""}, [][]string{{"soon", "", "sre"}, {"", "", "db"}}, []string{"Notes", "issue", "Link"},
			"| | add alert | | | | | soon | OPS-7 | sre |"},
		{"a row with only a ticket is an item", head + "| Action | Tracker |\n|--|--|\n| | g/p#3 |\n",
			[]string{"g/p#3"}, [][]string{nil}, []string{"Tracker"}, ""},
		{"a second ticket column is an extra column", head + "| Action | Ticket | Issue |\n|--|--|--|\n| add alert | OPS-1 | OPS-2 |\n",
			[]string{"OPS-1"}, [][]string{{"", "OPS-2"}}, []string{"Ticket", "Issue"}, ""},
		{"no ticket column", head + "| Action | Notes |\n|--|--|\n| add alert | soon |\n",
			[]string{""}, [][]string{{"soon"}}, []string{"Notes"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _ := Parse([]byte(c.in))
			if len(p.ActionItems) != len(c.tickets) {
				t.Fatalf("items %+v", p.ActionItems)
			}
			for i, a := range p.ActionItems {
				if a.Ticket != c.tickets[i] || !reflect.DeepEqual(a.Cells, c.cells[i]) {
					t.Errorf("item %d: ticket %q cells %q, want %q %q", i, a.Ticket, a.Cells, c.tickets[i], c.cells[i])
				}
			}
			if got := p.Extras[hindsight.SecActionItems].Columns; !reflect.DeepEqual(got, c.columns) {
				t.Errorf("columns %q, want %q", got, c.columns)
			}
			md := Render(p)
			if c.table != "" && !strings.Contains(string(md), c.table+"\n") {
				t.Errorf("rendered table lacks %q:\n%s", c.table, md)
			}
			back, _ := Parse(md)
			if !reflect.DeepEqual(back.ActionItems, p.ActionItems) || !reflect.DeepEqual(back.Extras, p.Extras) {
				t.Errorf("read back %+v %+v, want %+v %+v", back.ActionItems, back.Extras, p.ActionItems, p.Extras)
			}
			if again := Render(back); string(again) != string(md) {
				t.Errorf("second render differs:\n%s", lineDiff(string(md), string(again)))
			}
		})
	}
}

// TestTicketColumnAdded: a ticket set on an item of a document without a
// ticket column (the tracker sync writing one) renders a "Ticket" column
// after the others, and reads back as the same ticket with the other cells
// in place.
func TestTicketColumnAdded(t *testing.T) {
	cases := []struct {
		name string
		in   string
	}{
		{"no extra columns", "## Action Items\n\n| ID | Action |\n|--|--|\n| AI-001 | add alert |\n| AI-002 | rotate keys |\n"},
		{"an extra column", "## Action Items\n\n| ID | Action | Notes |\n|--|--|--|\n| AI-001 | add alert | soon |\n| AI-002 | rotate keys | |\n"},
		{"cells past the header", "## Action Items\n\n| ID | Action |\n|--|--|\n| AI-001 | add alert | x | y |\n| AI-002 | rotate keys |\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _ := Parse([]byte(c.in))
			want := append([]hindsight.ActionItem(nil), p.ActionItems...)
			p.ActionItems[1].Ticket = "org/repo#9"
			want[1].Ticket = "org/repo#9"
			md := Render(p)
			back, _ := Parse(md)
			if len(back.ActionItems) != 2 {
				t.Fatalf("items %+v\n%s", back.ActionItems, md)
			}
			for i := range want {
				if back.ActionItems[i].Ticket != want[i].Ticket || !reflect.DeepEqual(back.ActionItems[i].Cells, want[i].Cells) {
					t.Errorf("item %d read back %+v, want %+v\n%s", i, back.ActionItems[i], want[i], md)
				}
			}
			if col := hindsight.TicketColumn(back.Extras[hindsight.SecActionItems].Columns); col < 0 {
				t.Errorf("no ticket column read back: %q", back.Extras[hindsight.SecActionItems].Columns)
			}
		})
	}
}
