// Package examples holds the example postmortems (the Markdown files of this
// directory), embedded for the demo data of `hindsight serve --demo`.
package examples

import "embed"

// FS holds the example postmortems, one *.md file each.
//
//go:embed *.md
var FS embed.FS
