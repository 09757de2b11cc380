// Package apigen is the server interface and models generated from
// openapi/openapi.yaml by oapi-codegen. Do not edit apigen.gen.go: change the
// spec and run `go generate ./...`.
package apigen

//go:generate sh -c "cd ../../../openapi && go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml"
