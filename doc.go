// Package hindsight is the domain of the Hindsight postmortem system: the
// typed model of a postmortem document, its value types (UTC minute times,
// HH:MM durations, severities, priorities, Yes/No answers), the error codes
// shared by every layer, and the interfaces the other packages implement.
//
// The package imports nothing of the rest of the project. Markdown parsing
// and rendering live in markdown/, linting in lint/, storage in sqlite/ and
// postgres/, and the binary in cmd/hindsight.
package hindsight
