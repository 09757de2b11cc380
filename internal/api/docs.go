package api

import (
	"bytes"
	"html/template"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// renderDocs renders a readable reference of the API from its description:
// every operation with its parameters, body and responses, and every schema.
// It is plain HTML with no scripts, rendered once at start-up.
func renderDocs(doc *openapi3.T) ([]byte, error) {
	type param struct {
		Name, In, Type, Desc string
		Required             bool
	}
	type op struct {
		Method, Path, ID, Summary, Desc, Body string
		Params                                []param
		Responses                             []string
	}
	var ops []op
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, o := range item.Operations() {
			x := op{Method: method, Path: path, ID: o.OperationID, Summary: o.Summary, Desc: o.Description}
			for _, pr := range append(item.Parameters, o.Parameters...) {
				p := pr.Value
				x.Params = append(x.Params, param{p.Name, p.In, schemaName(p.Schema), p.Description, p.Required})
			}
			if o.RequestBody != nil {
				for ct, mt := range o.RequestBody.Value.Content {
					x.Body = ct + " " + schemaName(mt.Schema)
				}
			}
			for code, r := range o.Responses.Map() {
				d := ""
				if r.Value != nil && r.Value.Description != nil {
					d = *r.Value.Description
				}
				x.Responses = append(x.Responses, code+": "+d)
			}
			sort.Strings(x.Responses)
			ops = append(ops, x)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	type field struct {
		Name, Type, Desc string
		Required         bool
	}
	type schema struct {
		Name   string
		Fields []field
	}
	var schemas []schema
	for name, ref := range doc.Components.Schemas {
		s := schema{Name: name}
		for fname, f := range ref.Value.Properties {
			s.Fields = append(s.Fields, field{fname, schemaName(f), f.Value.Description,
				contains(ref.Value.Required, fname)})
		}
		sort.Slice(s.Fields, func(i, j int) bool { return s.Fields[i].Name < s.Fields[j].Name })
		schemas = append(schemas, s)
	}
	sort.Slice(schemas, func(i, j int) bool { return schemas[i].Name < schemas[j].Name })
	var buf bytes.Buffer
	err := docsTemplate.Execute(&buf, map[string]any{"Info": doc.Info, "Ops": ops, "Schemas": schemas})
	return buf.Bytes(), err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func schemaName(ref *openapi3.SchemaRef) string {
	if ref == nil {
		return ""
	}
	if ref.Ref != "" {
		return ref.Ref[strings.LastIndexByte(ref.Ref, '/')+1:]
	}
	s := ref.Value
	if s == nil || s.Type == nil {
		return ""
	}
	t := strings.Join(s.Type.Slice(), "|")
	if t == "array" && s.Items != nil {
		return "array of " + schemaName(s.Items)
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		var vs []string
		for _, e := range s.Enum {
			if v, ok := e.(string); ok {
				vs = append(vs, v)
			}
		}
		t += ": " + strings.Join(vs, ", ")
	}
	return t
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Info.Title}} reference</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1b1b}
code,.path{font-family:ui-monospace,monospace}.op{border-top:1px solid #ccc;padding:.5rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
</style></head><body>
<h1>{{.Info.Title}} <small>{{.Info.Version}}</small></h1>
<p>The machine-readable description is at <a href="/openapi.yaml">/openapi.yaml</a>.</p>
<pre style="white-space:pre-wrap">{{.Info.Description}}</pre>
<h2>Operations</h2>
{{range .Ops}}<section class="op" id="{{.ID}}"><h3><span class="m">{{.Method}}</span> <span class="path">{{.Path}}</span></h3>
<p>{{.Summary}}</p>{{if .Desc}}<pre style="white-space:pre-wrap">{{.Desc}}</pre>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<p>Body: <code>{{.Body}}</code></p>{{end}}
<ul>{{range .Responses}}<li>{{.}}</li>{{end}}</ul></section>
{{end}}
<h2>Schemas</h2>
{{range .Schemas}}<section id="schema-{{.Name}}"><h3>{{.Name}}</h3>{{if .Fields}}<table><tr><th>field</th><th>type</th><th>description</th></tr>
{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>{{end}}</table>{{end}}</section>
{{end}}</body></html>`))
