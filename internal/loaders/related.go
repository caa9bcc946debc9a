package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
)

// RelatedKey asks for up to First items related to content ID.
type RelatedKey struct {
	ID    int64
	First int
}

func relatedBatch(s Stores, v access.Viewer) dataloader.BatchFunc[RelatedKey, []*content.Content] {
	return func(ctx context.Context, keys []RelatedKey) []*dataloader.Result[[]*content.Content] {
		return results[[]*content.Content](len(keys), nil, apperr.New(apperr.Internal, "related content is not available"))
	}
}
