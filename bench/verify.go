package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// answer is one response as the checks below see it.
type answer struct {
	Status int
	Body   []byte
}

// send posts one request to url.
func send(ctx context.Context, client *http.Client, url string, r request) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.Body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	res, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{Status: res.StatusCode, Body: b}, nil
}

// preflight sends a few of each workload's requests to the gateway once and fails with the
// gateway's own words when one does not answer cleanly, before any load is run.
func preflight(ctx context.Context, client *http.Client, gatewayURL string, w workload, reqs []request) error {
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.Op] {
			continue
		}
		seen[r.Op] = true
		a, err := send(ctx, client, gatewayURL, r)
		if err != nil {
			return fmt.Errorf("preflight %s (%s): %w", w.Name, r.Op, err)
		}
		if a.Status != http.StatusOK || bytes.Contains(a.Body, []byte(errorsKey)) {
			return fmt.Errorf("preflight %s (%s): the gateway answered status %d: %s", w.Name, r.Op, a.Status, snippet(a.Body))
		}
	}
	return nil
}

// verifyFloor sends up to n of the floor's requests to both servers and fails loudly unless
// both answer the same JSON (compared after decoding and re-encoding, which sorts object keys
// and normalizes spacing). It returns how many requests it compared.
func verifyFloor(ctx context.Context, client *http.Client, gatewayURL, floorURL string, reqs []request, n int) (int, error) {
	checked := 0
	for _, r := range reqs {
		if checked == n {
			break
		}
		g, err := send(ctx, client, gatewayURL, r)
		if err != nil {
			return checked, fmt.Errorf("verify floor: gateway: %w", err)
		}
		f, err := send(ctx, client, floorURL, r)
		if err != nil {
			return checked, fmt.Errorf("verify floor: floor: %w", err)
		}
		if g.Status != http.StatusOK || f.Status != http.StatusOK {
			return checked, fmt.Errorf("verify floor: %s answered %d by the gateway and %d by the floor:\ngateway: %s\nfloor:   %s",
				r.Op, g.Status, f.Status, snippet(g.Body), snippet(f.Body))
		}
		gn, err := normalizeJSON(g.Body)
		if err != nil {
			return checked, fmt.Errorf("verify floor: gateway answer: %w", err)
		}
		fn, err := normalizeJSON(f.Body)
		if err != nil {
			return checked, fmt.Errorf("verify floor: floor answer: %w", err)
		}
		if !bytes.Equal(gn, fn) {
			return checked, fmt.Errorf("verify floor: for %s the floor's answer differs from the gateway's at byte %d:\nrequest: %s\ngateway: …%s…\nfloor:   …%s…",
				r.Op, firstDiff(gn, fn), r.Body, around(gn, firstDiff(gn, fn)), around(fn, firstDiff(gn, fn)))
		}
		checked++
	}
	return checked, nil
}

// normalizeJSON decodes and re-encodes b: object keys sorted, no insignificant space.
func normalizeJSON(b []byte) ([]byte, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w: %s", err, snippet(b))
	}
	return json.Marshal(v)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(b []byte, i int) string {
	lo, hi := max(0, i-120), min(len(b), i+120)
	return string(b[lo:hi])
}
