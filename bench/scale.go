package main

import (
	"fmt"
	"time"

	"github.com/tailorhq/tailor/internal/seed"
)

// Scale is a dataset size the benchmark runs at, and the database that holds it.
type Scale struct {
	Name         string `json:"name"`
	Database     string `json:"database"`
	Users        int    `json:"users"`
	Topics       int    `json:"topics"`
	Contents     int    `json:"contents"`
	Interactions int    `json:"interactions"`
	Seed         int64  `json:"seed"`
	// Duration and Warmup are the default lengths of one step's measurement and of the
	// unmeasured run before it.
	Duration time.Duration `json:"-"`
	Warmup   time.Duration `json:"-"`
}

// scaleNames are the scales scaleByName knows, smallest first.
var scaleNames = []string{"tiny", "standard", "large"}

// scaleByName returns the tiny, the standard or the large scale.
func scaleByName(name string) (Scale, error) {
	switch name {
	case "large":
		// Five times the standard scale's content and interactions (and users), to see how
		// each workload's latency grows with the tables: the growth report compares the two.
		return Scale{
			Name: "large", Database: "tailor_bench_large",
			Users: 50_000, Topics: 50, Contents: 1_000_000, Interactions: 5_000_000, Seed: 1,
			Duration: 10 * time.Second, Warmup: 2 * time.Second,
		}, nil
	case "standard":
		return Scale{
			Name: "standard", Database: "tailor_bench",
			Users: 10_000, Topics: 50, Contents: 200_000, Interactions: 1_000_000, Seed: 1,
			Duration: 10 * time.Second, Warmup: 2 * time.Second,
		}, nil
	case "tiny":
		return Scale{
			Name: "tiny", Database: "tailor_bench_tiny",
			Users: 200, Topics: 10, Contents: 2_000, Interactions: 10_000, Seed: 1,
			Duration: 2 * time.Second, Warmup: 300 * time.Millisecond,
		}, nil
	}
	return Scale{}, fmt.Errorf("unknown scale %q: use tiny, standard or large", name)
}

// seedOptions returns the seed options that write the scale's dataset.
func (s Scale) seedOptions(hash func(string) (string, error)) seed.Options {
	return seed.Options{
		Users: s.Users, Topics: s.Topics, Contents: s.Contents, Interactions: s.Interactions,
		Seed: s.Seed, HashPassword: hash,
	}
}

// String describes the scale in one line.
func (s Scale) String() string {
	return fmt.Sprintf("%s: %d users, %d topics, %d contents, %d interactions (seed %d, database %s)",
		s.Name, s.Users, s.Topics, s.Contents, s.Interactions, s.Seed, s.Database)
}
