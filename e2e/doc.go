// Package e2e holds Hindsight's end-to-end tests: the real server (web pages,
// JSON API, middleware with its Content-Security-Policy) on a free loopback
// port over a SQLite store in a temporary directory, driven by a headless
// Chromium through chromedp.
//
// The tests skip with a message unless HINDSIGHT_E2E=1; with it, a missing
// Chromium is a failure. Screenshots are written to
// testdata/artifacts/screenshots/ at the repository root.
package e2e
