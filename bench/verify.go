package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// answer is one response as the checks below see it.
type answer struct {
	Status int
	Body   []byte
	// Statements is the Tailor-Sql-Statements header, -1 when absent.
	Statements int
}

// failed reports whether the answer is not a clean success: not 200, GraphQL errors or
// userErrors.
func (a answer) failed() bool {
	return a.Status != http.StatusOK || bytes.Contains(a.Body, []byte(errorsKey)) || bytes.Contains(a.Body, []byte(userErrorsKey))
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
	a := answer{Status: res.StatusCode, Body: b, Statements: -1}
	if h := res.Header.Get(statementsHeader); h != "" {
		if n, err := strconv.Atoi(h); err == nil {
			a.Statements = n
		}
	}
	return a, nil
}

// signedInRequest returns a request of operation op with variables vars, sent as v.
func signedInRequest(op, query string, vars map[string]any, v viewer) (request, error) {
	body, err := json.Marshal(graphQLBody{OperationName: op, Query: query, Variables: vars})
	if err != nil {
		return request{}, err
	}
	return request{Op: op, Key: op, Body: body, Token: v.Token}, nil
}

// feedPageInfo is the part of a feed answer that says where the page ends.
type feedPageInfo struct {
	Data struct {
		Feed struct {
			Edges    []json.RawMessage `json:"edges"`
			PageInfo struct {
				EndCursor   *string `json:"endCursor"`
				HasNextPage bool    `json:"hasNextPage"`
			} `json:"pageInfo"`
		} `json:"feed"`
	} `json:"data"`
}

// readFeedCursors reads the first page of every viewer's feed from the gateway and keeps its
// endCursor as the viewer's FeedCursor when the feed has a second page. It returns how many
// viewers have one. It reads feedCursorWorkers feeds at a time: this is planning, not load.
func readFeedCursors(ctx context.Context, client *http.Client, gatewayURL string, viewers []viewer) (int, error) {
	next := make(chan int)
	errs := make([]error, feedCursorWorkers)
	var wg sync.WaitGroup
	for w := range feedCursorWorkers {
		wg.Go(func() {
			for i := range next {
				if errs[w] == nil {
					errs[w] = readFeedCursor(ctx, client, gatewayURL, &viewers[i])
				}
			}
		})
	}
	for i := range viewers {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	n := 0
	for _, v := range viewers {
		if v.FeedCursor != "" {
			n++
		}
	}
	return n, nil
}

// feedCursorWorkers is how many first pages readFeedCursors reads at a time.
const feedCursorWorkers = 4

// readFeedCursor reads the first page of v's feed and sets v.FeedCursor to its endCursor when
// the feed has a second page (and clears it otherwise).
func readFeedCursor(ctx context.Context, client *http.Client, gatewayURL string, v *viewer) error {
	v.FeedCursor = ""
	r, err := signedInRequest(opFeedCursor, feedCursorQuery, nil, *v)
	if err != nil {
		return err
	}
	a, err := send(ctx, client, gatewayURL, r)
	if err != nil {
		return fmt.Errorf("W1b: first page of a viewer's feed: %w", err)
	}
	if a.failed() {
		return fmt.Errorf("W1b: first page of a viewer's feed: the gateway answered status %d: %s", a.Status, snippet(a.Body))
	}
	var p feedPageInfo
	if err := json.Unmarshal(a.Body, &p); err != nil {
		return fmt.Errorf("W1b: first page of a viewer's feed: %w: %s", err, snippet(a.Body))
	}
	if pi := p.Data.Feed.PageInfo; pi.HasNextPage && pi.EndCursor != nil {
		v.FeedCursor = *pi.EndCursor
	}
	return nil
}

// feedProbeSizes are the page sizes at which the feed's statements are counted.
var feedProbeSizes = []int{1, 5, 20, 50, 100}

// feedProbeViewers is how many viewers' feeds are probed at each size.
const feedProbeViewers = 3

// feedProbe is the statement count of the feed at one page size.
type feedProbe struct {
	First int `json:"first"`
	// Page is "first" (ranked afresh) or "second" (read from the first page's snapshot).
	Page          string `json:"page"`
	Requests      int    `json:"requests"`
	Items         int    `json:"itemsMax"`
	StatementsMin int    `json:"statementsMin"`
	StatementsMax int    `json:"statementsMax"`
	// MissingHeader counts answers without a statement count.
	MissingHeader int `json:"missingStatementHeader"`
}

// probeFeed asks the gateway for the first and the second page of the feeds of up to n
// viewers at each of feedProbeSizes, with W1's selection, and records the statements each ran.
func probeFeed(ctx context.Context, client *http.Client, gatewayURL string, viewers []viewer, n int) ([]feedProbe, error) {
	var out []feedProbe
	for _, first := range feedProbeSizes {
		pages := [2]feedProbe{{First: first, Page: "first", StatementsMin: -1}, {First: first, Page: "second", StatementsMin: -1}}
		for _, v := range viewers[:min(n, len(viewers))] {
			vars := map[string]any{"first": first}
			for page := range pages {
				r, err := signedInRequest(opFeedProbe, feedProbeQuery, vars, v)
				if err != nil {
					return nil, err
				}
				a, err := send(ctx, client, gatewayURL, r)
				if err != nil {
					return nil, fmt.Errorf("feed probe (first %d): %w", first, err)
				}
				if a.failed() {
					return nil, fmt.Errorf("feed probe (first %d): the gateway answered status %d: %s", first, a.Status, snippet(a.Body))
				}
				var fp feedPageInfo
				if err := json.Unmarshal(a.Body, &fp); err != nil {
					return nil, fmt.Errorf("feed probe (first %d): %w: %s", first, err, snippet(a.Body))
				}
				p := &pages[page]
				p.Requests++
				p.Items = max(p.Items, len(fp.Data.Feed.Edges))
				if a.Statements < 0 {
					p.MissingHeader++
				} else {
					p.StatementsMax = max(p.StatementsMax, a.Statements)
					if p.StatementsMin < 0 || a.Statements < p.StatementsMin {
						p.StatementsMin = a.Statements
					}
				}
				pi := fp.Data.Feed.PageInfo
				if !pi.HasNextPage || pi.EndCursor == nil {
					break
				}
				vars = map[string]any{"first": first, "after": *pi.EndCursor}
			}
		}
		for _, p := range pages {
			if p.Requests > 0 {
				p.StatementsMin = max(p.StatementsMin, 0)
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// preflight sends a few of each workload's requests to the gateway once and fails with the
// gateway's own words when one does not answer cleanly, before any load is run.
func preflight(ctx context.Context, client *http.Client, gatewayURL string, w workload, reqs []request) error {
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.Key] {
			continue
		}
		seen[r.Key] = true
		a, err := send(ctx, client, gatewayURL, r)
		if err != nil {
			return fmt.Errorf("preflight %s (%s): %w", w.Name, r.Key, err)
		}
		if a.failed() {
			return fmt.Errorf("preflight %s (%s): the gateway answered status %d: %s", w.Name, r.Key, a.Status, snippet(a.Body))
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

// normalizeJSON decodes and re-encodes b: object keys sorted, no insignificant space, and
// without the response's extensions (the gateway's rate-limit accounting, which the floor
// has no counterpart of).
func normalizeJSON(b []byte) ([]byte, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w: %s", err, snippet(b))
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "extensions")
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
