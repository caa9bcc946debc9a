package postgres

import (
	"strconv"
	"strings"
)

// query builds a statement with positional arguments.
type query struct {
	args  []any
	where []string
}

// arg adds a positional argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// and adds a condition to the WHERE clause.
func (q *query) and(cond string) { q.where = append(q.where, cond) }

// whereClause renders the conditions joined with AND.
func (q *query) whereClause() string {
	if len(q.where) == 0 {
		return "TRUE"
	}
	return strings.Join(q.where, " AND ")
}
