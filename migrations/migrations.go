// Package migrations embeds the golang-migrate files that define the schema.
package migrations

import "embed"

// FS holds every NNNNNN_name.up.sql and .down.sql file of the schema.
//
//go:embed *.sql
var FS embed.FS
