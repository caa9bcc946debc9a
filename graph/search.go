package graph

import (
	"context"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
)

func (r *Resolver) searchContent(ctx context.Context, query string, first *int, after *string) (*model.SearchConnection, error) {
	return nil, apperr.New(apperr.Internal, "search is not available")
}

func (r *Resolver) relatedContent(ctx context.Context, obj *content.Content, first *int) ([]*content.Content, error) {
	return nil, apperr.New(apperr.Internal, "related content is not available")
}
