package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DocumentStore keeps the trusted documents: the operations a client build may send, by the
// sha256 (lowercase hex) of each document.
type DocumentStore struct {
	db *sqlx.DB
}

// NewDocumentStore returns the trusted documents store over db.
func NewDocumentStore(db *sqlx.DB) *DocumentStore { return &DocumentStore{db: db} }

// TrustedDocuments returns every trusted document by its hash.
func (s *DocumentStore) TrustedDocuments(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT hash, document FROM trusted_documents`)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	defer rows.Close()
	docs := make(map[string]string)
	for rows.Next() {
		var hash, doc string
		if err := rows.Scan(&hash, &doc); err != nil {
			return nil, fmt.Errorf("trusted documents: %w", err)
		}
		docs[hash] = doc
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	return docs, nil
}

// AddTrustedDocuments stores docs (hash to document; the caller has checked every hash) in
// one statement and returns how many were not stored yet. A hash names one document, so a
// hash already stored keeps its row.
func (s *DocumentStore) AddTrustedDocuments(ctx context.Context, docs map[string]string) (int, error) {
	hashes := make([]string, 0, len(docs))
	texts := make([]string, 0, len(docs))
	for h, d := range docs {
		hashes, texts = append(hashes, h), append(texts, d)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO trusted_documents (hash, document)
		SELECT * FROM unnest($1::text[], $2::text[])
		ON CONFLICT (hash) DO NOTHING`, pq.Array(hashes), pq.Array(texts))
	if err != nil {
		return 0, fmt.Errorf("add trusted documents: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
