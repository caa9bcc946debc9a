package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/tailorhq/tailor/internal/sqlstats"
)

// countingConnector wraps the lib/pq connector so every statement run with a context is counted.
type countingConnector struct{ driver.Connector }

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(pqConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("postgres: the driver's connection (%T) lacks the interfaces statement counting needs", conn)
	}
	return &countingConn{pqConn: pc}, nil
}

// pqConn is the set of optional driver interfaces lib/pq's connection implements.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

type countingConn struct{ pqConn }

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	sqlstats.Statement(ctx)
	return c.pqConn.QueryContext(ctx, query, args)
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	sqlstats.Statement(ctx)
	return c.pqConn.ExecContext(ctx, query, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if sc, ok := st.(pqStmt); ok {
		return &countingStmt{pqStmt: sc}, nil
	}
	return st, nil
}

// pqStmt is the set of driver interfaces lib/pq's prepared statement implements.
type pqStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// countingStmt counts each execution of a prepared statement as one statement.
type countingStmt struct{ pqStmt }

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	sqlstats.Statement(ctx)
	return s.pqStmt.QueryContext(ctx, args)
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	sqlstats.Statement(ctx)
	return s.pqStmt.ExecContext(ctx, args)
}
