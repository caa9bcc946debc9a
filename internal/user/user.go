// Package user holds Tailor's people: accounts, their roles and their stated preferences.
package user

import "time"

// Role is what an account may do. Roles are ordered: each includes the rights of those before it.
type Role string

// The roles, from least to most privileged.
const (
	RoleReader Role = "reader"
	RoleMember Role = "member"
	RoleAuthor Role = "author"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

var roleRank = map[Role]int{RoleReader: 1, RoleMember: 2, RoleAuthor: 3, RoleEditor: 4, RoleAdmin: 5}

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return roleRank[r] >= roleRank[min] && roleRank[r] > 0 }

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// User is an account. Email and preferences are private to the owner.
type User struct {
	ID          int64     `db:"id"`
	Handle      string    `db:"handle"`
	Email       string    `db:"email"`
	DisplayName string    `db:"display_name"`
	Bio         string    `db:"bio"`
	Role        Role      `db:"role"`
	CreatedAt   time.Time `db:"created_at"`
}

// EmailNotifications is how often a user wants mail.
type EmailNotifications string

// The email notification choices.
const (
	EmailOff       EmailNotifications = "off"
	EmailImmediate EmailNotifications = "immediate"
	EmailDaily     EmailNotifications = "daily"
	EmailWeekly    EmailNotifications = "weekly"
)

// Preferences is what a user has said they want to see and hear about.
type Preferences struct {
	UserID             int64
	TopicWeights       []TopicWeight
	Languages          []string
	Kinds              []string
	FollowedAuthorIDs  []int64
	MutedTopicIDs      []int64
	MutedAuthorIDs     []int64
	EmailNotifications EmailNotifications
	InAppNotifications bool
	Locale             string
	TimeZone           string
	// RecordHabits is whether interactions are kept as habits (the log, views, affinities);
	// when false the feed ranks by stated preferences only.
	RecordHabits bool
	UpdatedAt    time.Time
}

// TopicWeight is a user's stated liking for a topic, from -1 (dislike) to +1 (like).
type TopicWeight struct {
	TopicID int64   `db:"topic_id" json:"topic_id"`
	Weight  float64 `db:"weight" json:"weight"`
}
