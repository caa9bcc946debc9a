package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tailorhq/tailor/internal/feed"
)

// A snapshot stores each item's reasons as a run of bytes. Each reason is a header byte (the
// kind's index in feed.ReasonKinds, and which optional fields follow), its weight as a
// float32, then the topic ID and the author ID as uvarints and the value as a float32 when
// present.
const (
	reasonHasTopic  = 1 << 5
	reasonHasAuthor = 1 << 6
	reasonHasValue  = 1 << 7
	reasonKindMask  = reasonHasTopic - 1
)

// reasonCodec encodes and decodes reasons with one fixed table of kinds.
type reasonCodec struct {
	kinds []feed.ReasonKind
	index map[feed.ReasonKind]byte
}

func newReasonCodec() reasonCodec {
	c := reasonCodec{kinds: feed.ReasonKinds(), index: make(map[feed.ReasonKind]byte)}
	for i, k := range c.kinds {
		c.index[k] = byte(i)
	}
	return c
}

// encode returns the reasons of ranked in one buffer, with where each item's run ends.
func (c reasonCodec) encode(ranked []feed.Ranked) ([]byte, []int32, error) {
	buf := make([]byte, 0, 14*4*len(ranked))
	ends := make([]int32, len(ranked))
	for i, r := range ranked {
		for _, reason := range r.Reasons {
			k, ok := c.index[reason.Kind]
			if !ok || k > reasonKindMask {
				return nil, nil, fmt.Errorf("encode reasons: unknown kind %q", reason.Kind)
			}
			h := k
			if reason.TopicID != 0 {
				h |= reasonHasTopic
			}
			if reason.AuthorID != 0 {
				h |= reasonHasAuthor
			}
			if reason.Value != 0 {
				h |= reasonHasValue
			}
			buf = append(buf, h)
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(reason.Weight)))
			if reason.TopicID != 0 {
				buf = binary.AppendUvarint(buf, uint64(reason.TopicID))
			}
			if reason.AuthorID != 0 {
				buf = binary.AppendUvarint(buf, uint64(reason.AuthorID))
			}
			if reason.Value != 0 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(reason.Value)))
			}
		}
		ends[i] = int32(len(buf))
	}
	return buf, ends, nil
}

var errReasons = errors.New("stored reasons are malformed")

// decode reads one item's run of reasons. Weights and values come back rounded as ranking
// rounds them.
func (c reasonCodec) decode(b []byte) ([]feed.Reason, error) {
	var out []feed.Reason
	f32 := func() (float64, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v := math.Float32frombits(binary.LittleEndian.Uint32(b))
		b = b[4:]
		return math.Round(float64(v)*1e4) / 1e4, true
	}
	uv := func() (int64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return int64(v), true
	}
	for len(b) > 0 {
		h := b[0]
		b = b[1:]
		k := int(h & reasonKindMask)
		if k >= len(c.kinds) {
			return nil, errReasons
		}
		w, ok := f32()
		r := feed.Reason{Kind: c.kinds[k], Weight: w}
		if ok && h&reasonHasTopic != 0 {
			r.TopicID, ok = uv()
		}
		if ok && h&reasonHasAuthor != 0 {
			r.AuthorID, ok = uv()
		}
		if ok && h&reasonHasValue != 0 {
			r.Value, ok = f32()
		}
		if !ok {
			return nil, errReasons
		}
		out = append(out, r)
	}
	return out, nil
}
