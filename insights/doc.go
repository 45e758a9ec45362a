// Package insights presents the figures of hindsight.Insights: every figure
// as a table with its definition beside it, charts as server-rendered SVG
// (hand-written, no JavaScript, crisp when printed), CSV and JSON encoders
// of the figures and of the action item tracker, and the due-date
// objectives by priority.
//
// The charts are plain SVG written here rather than drawn with a charting
// library: the figures are a few bars each, hand-written SVG is
// deterministic (byte-stable in tests), carries its own <title> and text
// labels for screen readers and print, and adds no dependency.
package insights
