package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
)

// RelatedKey asks for up to First items related to content ID.
type RelatedKey struct {
	ID    int64
	First int
}

// relatedBatch answers every key of a batch that asks for the same number of items with one
// statement, each key's items visible to v and best first.
func relatedBatch(s Stores, v access.Viewer) dataloader.BatchFunc[RelatedKey, []*content.Content] {
	return grouped(
		func(k RelatedKey) (int, int64) { return k.First, k.ID },
		func(ctx context.Context, first int, ids []int64) ([][]*content.Content, error) {
			return s.Contents.RelatedByIDs(ctx, v, ids, first, content.AllFields)
		})
}
