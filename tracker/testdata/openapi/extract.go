//go:build ignore

// extract writes the faithful subset of a vendor's OpenAPI (3.x) or Swagger
// (2.0) description that the tracker clients use: the named operations, the
// named webhooks, and every component or definition they reach through
// $ref, copied unchanged. Top-level metadata (openapi/swagger, info,
// servers, host, basePath, security schemes) is kept.
//
//	go run extract.go -in api.github.com.json -out github.json \
//	    -op "POST /repos/{owner}/{repo}/issues" -webhook issues-closed
//
// The input may be JSON or YAML; the output is indented JSON.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"go.yaml.in/yaml/v4"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	in := flag.String("in", "", "the vendor's description (JSON or YAML)")
	out := flag.String("out", "", "the subset to write (JSON)")
	var ops, hooks list
	flag.Var(&ops, "op", `an operation "METHOD /path" (repeat)`)
	flag.Var(&hooks, "webhook", "a webhook name under `webhooks` (repeat)")
	flag.Parse()
	raw, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			log.Fatalf("%s: neither JSON nor YAML: %v", *in, err)
		}
	}
	sub := map[string]any{}
	for _, k := range []string{"openapi", "swagger", "info", "servers", "host", "basePath", "schemes", "produces", "consumes", "securityDefinitions", "security"} {
		if v, ok := doc[k]; ok {
			sub[k] = v
		}
	}
	paths := map[string]any{}
	for _, op := range ops {
		method, path, ok := strings.Cut(op, " ")
		if !ok {
			log.Fatalf("-op %q: want METHOD /path", op)
		}
		item, ok := mapAt(doc, "paths", path)
		if !ok {
			log.Fatalf("no path %s", path)
		}
		o, ok := item[strings.ToLower(method)]
		if !ok {
			log.Fatalf("no operation %s", op)
		}
		p, _ := paths[path].(map[string]any)
		if p == nil {
			p = map[string]any{}
			if params, ok := item["parameters"]; ok {
				p["parameters"] = params
			}
			paths[path] = p
		}
		p[strings.ToLower(method)] = o
	}
	sub["paths"] = paths
	if ss, ok := mapAt(doc, "components", "securitySchemes"); ok {
		put(sub, []string{"components", "securitySchemes"}, ss)
	}
	if len(hooks) > 0 {
		wh := map[string]any{}
		for _, h := range hooks {
			v, ok := mapAt(doc, "webhooks", h)
			if !ok {
				log.Fatalf("no webhook %s", h)
			}
			wh[h] = v
		}
		sub["webhooks"] = wh
	}
	// Copy every $ref target reached, transitively.
	seen := map[string]bool{}
	queue := refs(sub)
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if seen[r] {
			continue
		}
		seen[r] = true
		parts := strings.Split(strings.TrimPrefix(r, "#/"), "/")
		v, ok := at(doc, parts)
		if !ok {
			log.Fatalf("unresolved $ref %s", r)
		}
		put(sub, parts, v)
		queue = append(queue, refs(v)...)
	}
	b, err := json.MarshalIndent(sub, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "%s: %d paths, %d components\n", *out, len(paths), len(seen))
}

func mapAt(doc map[string]any, keys ...string) (map[string]any, bool) {
	v, ok := at(doc, keys)
	m, _ := v.(map[string]any)
	return m, ok && m != nil
}

// at follows a JSON pointer's parts (already split, ~1 and ~0 decoded here).
func at(v any, parts []string) (any, bool) {
	for _, p := range parts {
		p = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

func put(doc map[string]any, parts []string, v any) {
	m := doc
	for i, p := range parts {
		p = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
		if i == len(parts)-1 {
			m[p] = v
			return
		}
		next, _ := m[p].(map[string]any)
		if next == nil {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
}

// refs lists the local $ref values inside v.
func refs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && k == "$ref" && strings.HasPrefix(s, "#/") {
					out = append(out, s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}
