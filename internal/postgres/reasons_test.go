package postgres

import (
	"reflect"
	"testing"

	"github.com/tailorhq/tailor/internal/feed"
)

func TestReasonCodecRoundTrip(t *testing.T) {
	c := newReasonCodec()
	ranked := []feed.Ranked{
		{ContentID: 1, Reasons: []feed.Reason{
			{Kind: feed.LikedTopic, Weight: 1.35, TopicID: 12, Value: 0.9},
			{Kind: feed.Fresh, Weight: 0.7989},
			{Kind: feed.AuthorAffinity, Weight: 0.1234, AuthorID: 1 << 40, Value: 0.21},
			{Kind: feed.AlreadySeen, Weight: -0.7},
		}},
		{ContentID: 2},
		{ContentID: 3, Reasons: []feed.Reason{{Kind: feed.DislikedTopic, Weight: -1.2, TopicID: 3, Value: -0.8}}},
	}
	buf, ends, err := c.encode(ranked)
	if err != nil {
		t.Fatal(err)
	}
	start := int32(0)
	for i, r := range ranked {
		got, err := c.decode(buf[start:ends[i]])
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, r.Reasons) {
			t.Errorf("item %d: decoded %+v, want %+v", i, got, r.Reasons)
		}
		start = ends[i]
	}
	for _, bad := range [][]byte{{0}, {31, 0, 0, 0, 0}, append([]byte{byte(reasonHasTopic)}, 0, 0, 0, 0, 0x80)} {
		if _, err := c.decode(bad); err == nil {
			t.Errorf("decode(%v): no error", bad)
		}
	}
	if _, _, err := c.encode([]feed.Ranked{{Reasons: []feed.Reason{{Kind: "nonsense"}}}}); err == nil {
		t.Error("encode of an unknown kind: no error")
	}
}
