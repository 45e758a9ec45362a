package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/hindsight-pm/hindsight/internal/sqlstore"
)

// ExecBatch implements sqlstore.Batcher: the statements go to the server
// together as one pgx.Batch (a pipeline: one round trip, prepared
// statements from the connection's cache), inside the transaction open on
// conn. Their arguments are what database/sql would hand pgx (the stdlib
// adapter passes every value through), so a statement means the same
// batched or not.
func (dialect) ExecBatch(ctx context.Context, conn *sql.Conn, stmts []sqlstore.Stmt) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: a batch on a %T connection", dc)
		}
		var b pgx.Batch
		for _, st := range stmts {
			b.Queue(st.Query, st.Args...)
		}
		br := c.Conn().SendBatch(ctx, &b)
		for i := range stmts {
			tag, err := br.Exec()
			if err != nil {
				_ = br.Close()
				return &sqlstore.BatchError{Index: i, Err: err}
			}
			stmts[i].Affected = tag.RowsAffected()
		}
		return br.Close()
	})
}

var _ sqlstore.Batcher = dialect{}
