// Package postgres is Chapterhouse's door to PostgreSQL: the connection pool
// (Open), the schema migrations embedded in package migrations (MigrateUp,
// MigrateDown, MigrateStatus), the one transaction helper (InTx), and the
// sqlc-generated queries that sit beside them (Queries, New).
//
// The sqlc files (sqlc_*.go and *.sql.go, from queries/*.sql) are generated
// by `go generate ./internal/postgres/` and never edited by hand.
//
// Connection strings are URLs (postgres://user:password@host:port/db?...).
// Errors from this package name the server, user and database they concern
// but never the password.
package postgres
