// Package schema holds the JSON Schema (draft 2020-12) of the JSON form of a
// postmortem, json.Marshal of *hindsight.Postmortem, and compiles it.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSON is the schema document, postmortem.schema.json.
//
//go:embed postmortem.schema.json
var JSON []byte

// ID is the schema's $id.
const ID = "https://github.com/hindsight-pm/hindsight/schema/postmortem.schema.json"

// Compile returns the compiled schema, with format assertions on.
func Compile() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSON))
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(ID, doc); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s, err := c.Compile(ID)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return s, nil
}

// Validate checks a JSON document against the schema.
func Validate(data []byte) error {
	s, err := Compile()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return s.Validate(v)
}
