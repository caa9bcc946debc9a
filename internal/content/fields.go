package content

// Fields names what a read fills in of each item beyond its ID, author and sort time, which
// every read fills in: a list reads only what its client selected.
type Fields uint16

// The fields a read may fill in.
const (
	FieldSlug Fields = 1 << iota
	FieldTitle
	FieldSummary
	FieldKind
	FieldLanguage
	// FieldStatus is the status and the visibility, which say who may see the item and its body.
	FieldStatus
	FieldPublishedAt
	FieldCreatedAt
	FieldUpdatedAt
	// FieldCounts is the engagement counters.
	FieldCounts
	FieldBody
)

// AllFields is every field but the body.
const AllFields = FieldSlug | FieldTitle | FieldSummary | FieldKind | FieldLanguage | FieldStatus |
	FieldPublishedAt | FieldCreatedAt | FieldUpdatedAt | FieldCounts

// Has reports whether f holds every field of g.
func (f Fields) Has(g Fields) bool { return f&g == g }

// FieldsWithBody is every field, and the body when withBody is set.
func FieldsWithBody(withBody bool) Fields {
	if withBody {
		return AllFields | FieldBody
	}
	return AllFields
}
