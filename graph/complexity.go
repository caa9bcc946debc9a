package graph

import "github.com/tailorhq/tailor/graph/model"

// complexity scores lists by the number of items they may return: a connection costs its
// selection times its page size, so nesting large pages is refused before it runs.
func complexity(pageSize int) ComplexityRoot {
	page := func(first, last *int) int {
		switch {
		case first != nil && *first > 0:
			return *first
		case last != nil && *last > 0:
			return *last
		}
		return pageSize
	}
	var c ComplexityRoot
	c.Query.Contents = func(child int, _ *model.ContentFilter, _ *model.ContentOrder, first *int, _ *string, last *int, _ *string) int {
		return 1 + child*page(first, last)
	}
	c.Query.Topics = func(child int, first *int, _ *string, last *int, _ *string) int {
		return 1 + child*page(first, last)
	}
	c.Query.Nodes = func(child int, ids []string) int { return 1 + child*max(len(ids), 1) }
	c.User.Contents = func(child int, first *int, _ *string, last *int, _ *string, _ *model.ContentOrder) int {
		return 1 + child*page(first, last)
	}
	c.Topic.Contents = func(child int, first *int, _ *string, last *int, _ *string, _ *model.ContentOrder) int {
		return 1 + child*page(first, last)
	}
	return c
}
