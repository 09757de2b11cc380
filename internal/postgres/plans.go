package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// CustomPlans wraps db so that its queries are planned for the values they
// are given each time, instead of being prepared once and, after five
// runs, served by a generic plan. Use it for queries whose filters are
// optional (NULL means "any") or whose best plan depends on the values: a
// generic plan must serve every combination and picks badly (measured: a
// roster search took 130 ms under the generic plan and 5 ms planned for its
// values). Key lookups and inserts should not use it: for them planning
// costs more than running.
//
// It sends the statement unprepared (pgx's QueryExecModeExec, one round
// trip), so the arguments' types come from their Go types, not from the
// server: scalars, uuid.UUID and pointers to them work, but a slice of
// uuid.UUID does not (pgx cannot encode it without the server's type).
// Exec, CopyFrom and SendBatch pass through unchanged.
func CustomPlans(db DBTX) DBTX { return customPlans{db} }

type customPlans struct{ DBTX }

func (c customPlans) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return c.DBTX.Query(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
}

func (c customPlans) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return c.DBTX.QueryRow(ctx, sql, append([]any{pgx.QueryExecModeExec}, args...)...)
}

// CustomPlansInTx makes every statement for the rest of tx planned for the
// values it is given, as CustomPlans does for single queries, while keeping
// prepared statements and their types. Use it for batch statements that
// join their input to tables that grow fast: a generic plan cached while
// the tables were small would go on scanning them whole until statistics
// are refreshed.
func CustomPlansInTx(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_custom_plan")
	return err
}
