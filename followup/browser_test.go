package followup_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotDir is the e2e suite's screenshot directory (git-ignored).
var screenshotDir = filepath.Join("..", "testdata", "artifacts", "screenshots")

// TestInsightsInBrowser renders the insights page and the tracker in
// Chromium (no JavaScript of ours is needed: the charts are inline SVG),
// checks that a chart and its table are laid out, and saves screenshots.
// It skips without Chromium, and fails then with HINDSIGHT_E2E=1.
func TestInsightsInBrowser(t *testing.T) {
	var path string
	for _, c := range []string{os.Getenv("HINDSIGHT_CHROME"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("HINDSIGHT_E2E") == "1" {
			t.Fatal("no Chromium found; HINDSIGHT_E2E=1 requires it (set HINDSIGHT_CHROME)")
		}
		t.Skip("no Chromium found (set HINDSIGHT_CHROME)")
	}
	e := newEnv(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		step(js, err)
		return v
	}
	step("open insights", chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/insights?from=2026-01-01&to=2026-12-31"),
		chromedp.WaitVisible(chromedp.ID("chart-by-severity"))))
	title, err := chromedp.Run(ctx, chromedp.Title())
	step("title", err)
	size := eval(`(() => { const r = document.getElementById('chart-by-severity').getBoundingClientRect(); return r.width + 'x' + r.height })()`)
	svgTitle := eval(`document.getElementById('chart-by-severity-title').textContent`)
	cell := eval(`document.querySelector('#time-to-detect table tbody td:nth-child(4)').textContent`)
	if !strings.Contains(title, "Insights") || size != "520x34" {
		t.Errorf("page %q: chart %s px, want a laid-out 520x34 chart", title, size)
	}
	if svgTitle != "Incidents by severity" || cell != "10" {
		t.Errorf("chart title %q, median TTD cell %q; want Incidents by severity, 10", svgTitle, cell)
	}
	page, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	step("screenshot", err)
	save(t, "insights.png", page)
	chart, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("by-severity")))
	step("chart screenshot", err)
	save(t, "insights-chart-by-severity.png", chart)

	step("open tracker", chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/action-items"), chromedp.WaitVisible(chromedp.ID("items"))))
	if rows := eval(`String(document.querySelectorAll('#items tbody tr').length)`); rows != "2" {
		t.Errorf("tracker rows = %s, want 2", rows)
	}
	page, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	step("tracker screenshot", err)
	save(t, "action-items.png", page)
}

func save(t *testing.T, name string, b []byte) {
	t.Helper()
	if len(b) == 0 {
		t.Errorf("screenshot %s is empty", name)
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Logf("screenshot dir: %v", err)
		return
	}
	p := filepath.Join(screenshotDir, name)
	if err := os.WriteFile(p+".tmp", b, 0o644); err == nil {
		_ = os.Rename(p+".tmp", p)
	}
	t.Logf("screenshot: %s", p)
}
