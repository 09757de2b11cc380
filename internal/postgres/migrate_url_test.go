package postgres

import "testing"

func TestMigrateURLDropsPoolParameters(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h:5/db":                                          "pgx5://u@h:5/db",
		"postgresql://u@h/db?sslmode=disable":                          "pgx5://u@h/db?sslmode=disable",
		"postgres://u@h/db?pool_max_conns=20":                          "pgx5://u@h/db",
		"postgres://u@h/db?sslmode=disable&pool_max_conns=20&x=1":      "pgx5://u@h/db?sslmode=disable&x=1",
		"postgres://u@h/db?pool_min_conns=2&pool_max_conn_lifetime=1h": "pgx5://u@h/db",
	} {
		got, err := migrateURL(in)
		if err != nil || got != want {
			t.Errorf("migrateURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := migrateURL("host=h dbname=db"); err == nil {
		t.Error("a keyword=value string must be refused")
	}
}
