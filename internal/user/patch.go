package user

import (
	"time"

	xlanguage "golang.org/x/text/language"

	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/language"
)

// MaxListed bounds each list of a user's preferences: the topics they weigh, their languages,
// kinds, muted topics and muted authors.
const MaxListed = 100

// MaxFollows is how many authors one user may follow.
const MaxFollows = 1000

// PreferencesPatch changes some of a user's preferences; nil fields stay as they are.
type PreferencesPatch struct {
	// TopicWeights are set one by one; a weight of 0 removes the topic's preference.
	TopicWeights       []TopicWeight
	Languages          []string
	Kinds              []string
	MutedTopicIDs      []int64
	MutedAuthorIDs     []int64
	EmailNotifications *EmailNotifications
	InAppNotifications *bool
	Locale             *string
	TimeZone           *string
	RecordHabits       *bool
}

// Validate checks the patch for user userID and returns every problem at once.
func (p PreferencesPatch) Validate(userID int64) apperr.FieldErrors {
	var errs apperr.FieldErrors
	for field, n := range map[string]int{"topics": len(p.TopicWeights), "languages": len(p.Languages),
		"kinds": len(p.Kinds), "mutedTopicIds": len(p.MutedTopicIDs), "mutedAuthorIds": len(p.MutedAuthorIDs)} {
		if n > MaxListed {
			errs.Add(field, apperr.FieldTooLong, "at most %d values", MaxListed)
		}
	}
	for _, tw := range p.TopicWeights {
		if tw.Weight < -1 || tw.Weight > 1 {
			errs.Add("topics", apperr.FieldInvalid, "a topic weight is between -1.0 (dislike) and 1.0 (like), got %g", tw.Weight)
			break
		}
	}
	for _, l := range p.Languages {
		if !language.Valid(l) {
			errs.Add("languages", apperr.FieldInvalid, "%q is not a two-letter lowercase ISO 639-1 code such as \"en\"", l)
			break
		}
	}
	for _, id := range p.MutedAuthorIDs {
		if id == userID {
			errs.Add("mutedAuthorIds", apperr.FieldInvalid, "you cannot mute yourself")
			break
		}
	}
	if p.Locale != nil {
		if _, err := xlanguage.Parse(*p.Locale); err != nil || len(*p.Locale) > 35 {
			errs.Add("locale", apperr.FieldInvalid, "%q is not a BCP 47 locale such as \"en\" or \"pt-BR\"", *p.Locale)
		}
	}
	if p.TimeZone != nil {
		if _, err := time.LoadLocation(*p.TimeZone); err != nil || *p.TimeZone == "" || *p.TimeZone == "Local" {
			errs.Add("timeZone", apperr.FieldInvalid, "%q is not an IANA time zone such as \"Europe/Paris\"", *p.TimeZone)
		}
	}
	return errs
}
