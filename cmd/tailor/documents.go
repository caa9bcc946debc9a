package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/postgres"
)

// documentsCommand runs `tailor documents load FILE`: it reads a persisted-documents
// manifest, checks that every hash is the sha256 of its document, and stores them all.
func documentsCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "load" {
		return errors.New("usage: tailor documents load FILE (a JSON manifest: {\"<sha256 hex>\": \"<document>\", ...})")
	}
	raw, err := os.ReadFile(args[1])
	if err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	docs, err := readManifest(raw)
	if err != nil {
		return fmt.Errorf("documents: %s: %w", args[1], err)
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	added, err := postgres.NewDocumentStore(db).AddTrustedDocuments(ctx, docs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %d trusted document(s), %d new; replicas see them within a minute\n", len(docs), added)
	return nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// readManifest reads a persisted-documents manifest: a JSON object from each document's
// sha256 (lowercase hex) to its text, as GraphQL Codegen's client preset writes it, or
// Apollo's persisted query manifest ({"format": "apollo-persisted-query-manifest",
// "operations": [{"id", "body"}, ...]}). A manifest with any hash that is not its document's
// sha256 is refused whole.
func readManifest(raw []byte) (map[string]string, error) {
	var apollo struct {
		Format     string `json:"format"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	docs := map[string]string{}
	if err := json.Unmarshal(raw, &apollo); err == nil && apollo.Format == "apollo-persisted-query-manifest" {
		for _, op := range apollo.Operations {
			docs[op.ID] = op.Body
		}
	} else if err := decodeManifest(raw, docs); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("the manifest holds no documents")
	}
	var bad []string
	for hash, doc := range docs {
		sum := sha256.Sum256([]byte(doc))
		if !sha256Hex.MatchString(hash) || hex.EncodeToString(sum[:]) != hash {
			bad = append(bad, hash)
		}
	}
	if n := len(bad); n > 0 {
		sort.Strings(bad)
		if n > 3 {
			bad = append(bad[:3], "…")
		}
		return nil, fmt.Errorf("%d hash(es) are not the lowercase hex sha256 of their document (%s); nothing was loaded",
			n, strings.Join(bad, ", "))
	}
	return docs, nil
}

// decodeManifest reads a {"<hash>": "<document>"} manifest into docs.
func decodeManifest(raw []byte, docs map[string]string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&docs); err != nil {
		return fmt.Errorf("not a manifest of {\"<sha256 hex>\": \"<document>\"} entries: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the manifest")
	}
	return nil
}

// documentsRefresh is how often a replica reads the trusted documents again.
const documentsRefresh = time.Minute

// trustedDocuments is the replica's copy of the trusted documents, kept fresh until ctx ends,
// or nil when TAILOR_TRUSTED_DOCUMENTS is off.
func trustedDocuments(ctx context.Context, cfg config.Config, db *sqlx.DB, logger *slog.Logger) (*graph.TrustedDocuments, error) {
	if graph.TrustedDocumentsPolicy(cfg.TrustedDocuments) == graph.TrustedDocumentsOff {
		return nil, nil
	}
	docs, err := graph.LoadTrustedDocuments(ctx, postgres.NewDocumentStore(db), documentsRefresh, logger)
	if err != nil {
		return nil, err
	}
	if docs.Len() == 0 {
		logger.Warn("TAILOR_TRUSTED_DOCUMENTS is set but no trusted documents are loaded: the callers it restricts can run nothing until `tailor documents load FILE` stores a manifest",
			"mode", cfg.TrustedDocuments)
	} else {
		logger.Info("trusted documents", "mode", cfg.TrustedDocuments, "documents", docs.Len())
	}
	return docs, nil
}
