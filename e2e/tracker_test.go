package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight/internal/demo"
)

// TestTrackerRefreshes: closing an item on the action items page swaps
// its row and refreshes the counts by owner, whose names are shown as
// written; it saves viewport screenshots of the tracker and insights.
func TestTrackerRefreshes(t *testing.T) {
	srv := startServer(t, 0)
	if _, err := demo.Seed(context.Background(), srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)
	b.run("tracker", chromedp.Navigate(srv.URL+"/action-items"), chromedp.WaitVisible(chromedp.ID("owners-table")))
	b.saveViewport("tracker-1280")
	owner := value(b, "first owner", chromedp.Evaluate[string](`document.querySelector("#items tbody tr td:nth-child(4) a").textContent`))
	if owner == "" || owner == strings.ToLower(owner) {
		t.Errorf("the first item's owner %q is not as written", owner)
	}
	openOf := `(function(o){ for (const tr of document.querySelectorAll("#owners-table tbody tr")) { if (tr.cells[0].textContent.trim() === o) return parseInt(tr.cells[1].textContent, 10); } return -1; })(` + jsString(owner) + `)`
	before := value(b, "open before", chromedp.Evaluate[int](openOf))
	if before < 1 {
		t.Fatalf("the by-owner table has no open count for %q (%d); owners are not shown as written", owner, before)
	}
	// the counts are of open items: an owner left with none leaves the table
	want := itoa(before - 1)
	if before == 1 {
		want = "-1"
	}
	b.run("close the first item", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child button[type=submit]`)),
		waitJS(`document.querySelector("#items tbody tr:first-child").textContent.includes("Reopen")`),
		waitJS(openOf+` === `+want))
	b.check()
	b.run("insights", chromedp.Navigate(srv.URL+"/insights"), chromedp.WaitVisible(chromedp.CSS(".tiles")))
	b.saveViewport("insights-1280")
}
