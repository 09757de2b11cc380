package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chapterhouse/chapterhouse/internal/postgres"
	"github.com/chapterhouse/chapterhouse/internal/postgres/pgtest"
)

func TestOpenConnectsAndNamesTheApplication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var app string
	if err := pool.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&app); err != nil {
		t.Fatal(err)
	}
	if app != "chapterhouse" {
		t.Errorf("application_name = %q, want chapterhouse", app)
	}
}

func TestOpenErrorsNameTheTargetButNotThePassword(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Passw0rd"
	realURL := pgtest.NewURL(t)
	missingDB := strings.Replace(realURL, "postgres@", "postgres:"+secret+"@", 1)
	missingDB = missingDB[:strings.LastIndex(missingDB, "/")] + "/no_such_database?sslmode=disable"
	tests := []struct {
		name, url, want string
	}{
		{"nothing listening", "postgres://chapter:" + secret + "@127.0.0.1:1/members?connect_timeout=2", "127.0.0.1:1"},
		{"unparsable", "postgres://chapter:" + secret + "@127.0.0.1:notaport/members", "parse database URL"},
		{"no such database", missingDB, "no_such_database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			pool, err := postgres.Open(ctx, tt.url)
			if err == nil {
				pool.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error reveals the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
