package graph

import (
	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// draft maps createContent's input onto the domain's draft.
func draft(in model.CreateContentInput) (content.Draft, error) {
	topics, err := parseIDs("input.topicIds", in.TopicIds, relay.TypeTopic)
	d := content.Draft{Title: in.Title, Summary: in.Summary, Body: in.Body, Kind: in.Kind,
		Language: in.Language, TopicIDs: topics, Visibility: in.Visibility}
	if in.Slug != nil {
		d.Slug = *in.Slug
	}
	return d, err
}

// patch maps updateContent's input onto the item's ID and the domain's patch.
func patch(in model.UpdateContentInput) (int64, content.Patch, error) {
	id, err := relay.ParseIDOf("input.id", in.ID, relay.TypeContent)
	p := content.Patch{Title: in.Title, Summary: in.Summary, Body: in.Body, Kind: in.Kind,
		Language: in.Language, Visibility: in.Visibility}
	if err == nil && in.TopicIds != nil {
		p.TopicIDs, err = parseIDs("input.topicIds", in.TopicIds, relay.TypeTopic)
	}
	return id, p, err
}

// deleted is deleteContent's payload after the deletion of the item gid names.
func deleted(gid string, err error) (*model.DeleteContentPayload, error) {
	userErrs, err := userErrors(err)
	if err != nil || len(userErrs) > 0 {
		return &model.DeleteContentPayload{UserErrors: userErrs}, err
	}
	return &model.DeleteContentPayload{DeletedContentID: &gid, UserErrors: userErrs}, nil
}
