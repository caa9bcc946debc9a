package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
)

func TestDocumentsLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash := func(doc string) string {
		sum := sha256.Sum256([]byte(doc))
		return hex.EncodeToString(sum[:])
	}
	const (
		topics = "query Topics { topics(first: 2) { edges { node { slug } } } }"
		feed   = "query Feed { feed(first: 5) { edges { node { title } } } }"
		search = "query Search($q: String!) { search(query: $q) { totalCount } }"
	)
	manifest := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name     string
		manifest string
		wantErr  string   // part of the refusal; "" when the file loads
		wantOut  string   // part of the output when it loads
		stored   []string // the documents stored afterwards
	}{
		{"a hash that is not its document's", manifest(map[string]string{hash(topics): topics, hash("something else"): feed}),
			"1 hash(es) are not the lowercase hex sha256 of their document", "", nil},
		{"an uppercase hash", manifest(map[string]string{strings.ToUpper(hash(topics)): topics}),
			"not the lowercase hex sha256", "", nil},
		{"not a manifest", `["query { a }"]`, "not a manifest", "", nil},
		{"an empty manifest", `{}`, "holds no documents", "", nil},
		{"a manifest", manifest(map[string]string{hash(topics): topics, hash(feed): feed}), "", "loaded 2 trusted document(s), 2 new", []string{topics, feed}},
		{"the same manifest again", manifest(map[string]string{hash(topics): topics, hash(feed): feed}), "", "loaded 2 trusted document(s), 0 new", []string{topics, feed}},
		{"an Apollo manifest", manifest(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1,
			"operations": []map[string]string{{"id": hash(search), "name": "Search", "type": "query", "body": search}}}),
			"", "loaded 1 trusted document(s), 1 new", []string{topics, feed, search}},
	}
	env := map[string]string{"DATABASE_URL": db.URL}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "manifest.json")
			if err := os.WriteFile(file, []byte(tc.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := run(ctx, []string{"documents", "load", file}, func(k string) string { return env[k] }, &out)
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case !strings.Contains(out.String(), tc.wantOut):
				t.Errorf("output %q, want it to contain %q", out.String(), tc.wantOut)
			}
			docs, err := postgres.NewDocumentStore(db.DB).TrustedDocuments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != len(tc.stored) {
				t.Errorf("%d documents stored, want %d: %v", len(docs), len(tc.stored), docs)
			}
			for _, d := range tc.stored {
				if docs[hash(d)] != d {
					t.Errorf("document %q is not stored under its hash", d)
				}
			}
		})
	}
}
