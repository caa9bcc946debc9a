package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

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
	ctx, done := statement(ctx, query)
	rows, err := c.pqConn.QueryContext(ctx, query, args)
	done(err)
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ctx, done := statement(ctx, query)
	res, err := c.pqConn.ExecContext(ctx, query, args)
	done(err)
	return res, err
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if sc, ok := st.(pqStmt); ok {
		return &countingStmt{pqStmt: sc, query: query}, nil
	}
	return st, nil
}

// tracerName names the tracer of SQL statement spans.
const tracerName = "github.com/tailorhq/tailor/internal/postgres"

// statement counts and times one statement run with ctx and, when ctx belongs to a recorded
// trace, opens its span, named by the statement's text: the SQL with its $n placeholders,
// never the values. done closes both once the database has answered.
func statement(ctx context.Context, query string) (context.Context, func(error)) {
	counted := sqlstats.Statement(ctx)
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, func(error) { counted() }
	}
	ctx, span := parent.TracerProvider().Tracer(tracerName).Start(ctx, "sql", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", query)))
	return ctx, func(err error) {
		counted()
		if err != nil && !errors.Is(err, driver.ErrSkip) {
			span.RecordError(err)
			span.SetStatus(codes.Error, "statement failed")
		}
		span.End()
	}
}

// pqStmt is the set of driver interfaces lib/pq's prepared statement implements.
type pqStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// countingStmt counts each execution of a prepared statement as one statement.
type countingStmt struct {
	pqStmt
	query string
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	ctx, done := statement(ctx, s.query)
	rows, err := s.pqStmt.QueryContext(ctx, args)
	done(err)
	return rows, err
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	ctx, done := statement(ctx, s.query)
	res, err := s.pqStmt.ExecContext(ctx, args)
	done(err)
	return res, err
}

// prepared keeps the prepared form of a store's hot statements, by text, so PostgreSQL plans
// each once per connection (or once per execution while it prefers plans for the values) and
// the text is parsed once.
type prepared struct {
	db *sqlx.DB
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

func newPrepared(db *sqlx.DB) *prepared { return &prepared{db: db, m: make(map[string]*sqlx.Stmt)} }

// stmt returns the prepared statement of text. A statement whose text varies (by role, say)
// is kept once per variant; callers keep the variants few.
func (p *prepared) stmt(ctx context.Context, text string) (*sqlx.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.m[text]; ok {
		return st, nil
	}
	st, err := p.db.PreparexContext(ctx, text)
	if err != nil {
		return nil, err
	}
	p.m[text] = st
	return st, nil
}

// query runs the prepared statement of text.
func (p *prepared) query(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, text)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// selectAll runs the prepared statement of text and scans every row into dest, as
// sqlx.SelectContext does.
func (p *prepared) selectAll(ctx context.Context, dest any, text string, args ...any) error {
	st, err := p.stmt(ctx, text)
	if err != nil {
		return err
	}
	return st.SelectContext(ctx, dest, args...)
}

// get runs the prepared statement of text and scans its one row into dest, as
// sqlx.GetContext does.
func (p *prepared) get(ctx context.Context, dest any, text string, args ...any) error {
	st, err := p.stmt(ctx, text)
	if err != nil {
		return err
	}
	return st.GetContext(ctx, dest, args...)
}
