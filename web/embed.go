// Package web holds the server-rendered front end's templates (templates/)
// and static files (static/), embedded into the binary. The handlers that use
// them live in internal/web.
package web

import "embed"

// FS holds templates/*.html and static/*. It is read-only.
//
//go:embed templates static
var FS embed.FS
