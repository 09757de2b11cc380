// Package openapi embeds the API's OpenAPI 3.0.3 description, the source
// from which the server code is generated and against which requests are
// validated.
package openapi

import _ "embed"

// Spec is openapi.yaml as written.
//
//go:embed openapi.yaml
var Spec []byte
