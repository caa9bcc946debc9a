package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/user"
)

// TrustedDocumentsPolicy says which callers may run only trusted documents.
type TrustedDocumentsPolicy string

// The trusted documents policies; the zero policy is TrustedDocumentsOff.
const (
	TrustedDocumentsOff          TrustedDocumentsPolicy = "off"
	TrustedDocumentsForAnonymous TrustedDocumentsPolicy = "allow-listed-for-anonymous"
	TrustedDocumentsRequired     TrustedDocumentsPolicy = "required"
)

// restricts reports whether v may run only trusted documents.
func (p TrustedDocumentsPolicy) restricts(v access.Viewer) bool {
	switch p {
	case TrustedDocumentsForAnonymous:
		return v.Anonymous()
	case TrustedDocumentsRequired:
		return !v.HasRole(user.RoleAdmin)
	}
	return false
}

// DocumentSource lists the trusted documents by the sha256 (lowercase hex) of each.
type DocumentSource interface {
	TrustedDocuments(ctx context.Context) (map[string]string, error)
}

// TrustedDocuments is a replica's copy of the trusted documents, by hash.
type TrustedDocuments struct {
	docs atomic.Pointer[map[string]string]
}

// LoadTrustedDocuments reads the trusted documents from source, then again every interval
// until ctx ends, so documents loaded later reach every replica; a failed re-read keeps the
// documents already read and is logged.
func LoadTrustedDocuments(ctx context.Context, source DocumentSource, every time.Duration, logger *slog.Logger) (*TrustedDocuments, error) {
	d := &TrustedDocuments{}
	docs, err := source.TrustedDocuments(ctx)
	if err != nil {
		return nil, err
	}
	d.docs.Store(&docs)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				docs, err := source.TrustedDocuments(ctx)
				if err != nil {
					if ctx.Err() == nil {
						logger.ErrorContext(ctx, "reading the trusted documents failed; keeping the ones read before", "err", err)
					}
					continue
				}
				d.docs.Store(&docs)
			}
		}
	}()
	return d, nil
}

// Len returns how many trusted documents the copy holds.
func (d *TrustedDocuments) Len() int { return len(*d.docs.Load()) }

func (d *TrustedDocuments) lookup(hash string) (string, bool) {
	doc, ok := (*d.docs.Load())[hash]
	return doc, ok
}

// trustedStat marks, in an operation's stats, that its document is a trusted one.
const trustedStat = "TrustedDocument"

// documentGate holds the callers its policy restricts to trusted documents, and lets any
// caller send a trusted document by its hash alone. It runs before automatic persisted
// queries, so a document registered there is no way around it.
type documentGate struct {
	policy TrustedDocumentsPolicy
	docs   *TrustedDocuments
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentGate{}

func (documentGate) ExtensionName() string { return "TrustedDocuments" }
func (g documentGate) Validate(graphql.ExecutableSchema) error {
	if g.docs == nil {
		return errors.New("trusted documents: no documents given")
	}
	return nil
}

func (g documentGate) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash := persistedHash(p)
	if p.Query == "" && hash != "" {
		if doc, ok := g.docs.lookup(hash); ok {
			p.Query = doc
			graphql.GetOperationContext(ctx).Stats.SetExtension(trustedStat, hash)
			return nil
		}
	}
	if !g.policy.restricts(access.ViewerFrom(ctx)) {
		return nil
	}
	if hash == "" {
		// The text of a trusted document, sent without its hash, is that document.
		sum := sha256.Sum256([]byte(p.Query))
		hash = hex.EncodeToString(sum[:])
	}
	if doc, ok := g.docs.lookup(hash); ok && (p.Query == "" || p.Query == doc) {
		p.Query = doc
		graphql.GetOperationContext(ctx).Stats.SetExtension(trustedStat, hash)
		return nil
	}
	message := "this server runs only trusted documents: send the sha256Hash of an operation of your client's manifest in extensions.persistedQuery"
	if g.policy == TrustedDocumentsForAnonymous {
		message = "this server runs only trusted documents for anonymous callers: send the sha256Hash of an operation of your client's manifest in extensions.persistedQuery, or sign in"
	}
	return requestError(apperr.PersistedQueryNotFound, "%s", message)
}

// persistedHash is the extensions.persistedQuery.sha256Hash of a request, or "".
func persistedHash(p *graphql.RawParams) string {
	pq, _ := p.Extensions["persistedQuery"].(map[string]any)
	hash, _ := pq["sha256Hash"].(string)
	return hash
}

// trusted reports whether an operation's document is a trusted one.
func trusted(opCtx *graphql.OperationContext) bool {
	return opCtx.Stats.GetExtension(trustedStat) != nil
}
