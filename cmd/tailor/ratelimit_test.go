package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// answer is one GraphQL response with its rate-limit headers.
type answer struct {
	status int
	header http.Header
	body   struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
		Extensions struct {
			Cost struct{ Requested, Remaining, Limit int64 }
		}
	}
}

func ask(t *testing.T, endpoint, query string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	res, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, header: res.Header}
	if err := json.NewDecoder(res.Body).Decode(&a.body); err != nil {
		t.Fatal(err)
	}
	return a
}

func headerInt(t *testing.T, h http.Header, name string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(h.Get(name), 10, 64)
	if err != nil {
		t.Fatalf("header %s = %q", name, h.Get(name))
	}
	return n
}

// TestRateLimitAcrossReplicas spends one anonymous client's budget on two serve processes
// on one database: every answer says what it cost and what is left, in headers and in
// extensions.cost, the remaining points fall by exactly the cost, points spent on one replica
// are spent on the other, and an over-budget request is refused with RATE_LIMITED and
// Retry-After by either replica, running nothing.
func TestRateLimitAcrossReplicas(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	env := map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_RATE_ANONYMOUS": "60", "TAILOR_RATE_WINDOW": "1h", "TAILOR_RATE_SYNC": "20ms"}
	first, stopFirst := startServe(t, ctx, env, "serve")
	t.Cleanup(stopFirst)
	second, stopSecond := startServe(t, ctx, env, "serve")
	t.Cleanup(stopSecond)
	a, b := first+"/graphql", second+"/graphql"

	const query = `{ topics(first: 2) { edges { node { slug } } } rateLimit { limit cost remaining } }`
	one := ask(t, a, query)
	cost := one.body.Extensions.Cost.Requested
	if one.status != http.StatusOK || len(one.body.Errors) > 0 || cost <= 0 || cost > 20 {
		t.Fatalf("first answer: %d %+v", one.status, one.body)
	}
	if headerInt(t, one.header, "RateLimit-Limit") != 60 || headerInt(t, one.header, "RateLimit-Remaining") != 60-cost ||
		one.body.Extensions.Cost.Remaining != 60-cost || one.body.Extensions.Cost.Limit != 60 {
		t.Errorf("first answer's budget: headers %v, cost %+v", one.header, one.body.Extensions.Cost)
	}
	var rl struct {
		RateLimit struct{ Limit, Cost, Remaining int64 }
	}
	if err := json.Unmarshal(one.body.Data, &rl); err != nil || rl.RateLimit.Cost != cost || rl.RateLimit.Remaining != 60-cost {
		t.Errorf("rateLimit = %+v (%v)", rl.RateLimit, err)
	}
	if reset := headerInt(t, one.header, "RateLimit-Reset"); reset < 1 || reset > 3600 {
		t.Errorf("RateLimit-Reset = %d", reset)
	}
	two := ask(t, a, query)
	if two.body.Extensions.Cost.Remaining != 60-2*cost {
		t.Errorf("the second answer left %d, want %d", two.body.Extensions.Cost.Remaining, 60-2*cost)
	}

	// The other replica learns what was spent on the first within a sync.
	within(t, 5*time.Second, "the spending reaches the other replica", func() bool {
		got := ask(t, b, `{ rateLimit { remaining } }`)
		var r struct{ RateLimit struct{ Remaining int64 } }
		_ = json.Unmarshal(got.body.Data, &r)
		// Each probe costs a point or two of its own; what matters is that the first
		// replica's spending shows.
		return len(got.body.Errors) == 0 && r.RateLimit.Remaining <= 60-2*cost-1
	})

	for _, endpoint := range []string{a, b} {
		var refused answer
		within(t, 5*time.Second, "a refusal", func() bool {
			refused = ask(t, endpoint, query)
			return len(refused.body.Errors) > 0
		})
		e := refused.body.Errors[0]
		if e.Extensions["code"] != "RATE_LIMITED" || refused.header.Get("Retry-After") == "" || e.Extensions["retryAfter"] == nil || refused.body.Data != nil && string(refused.body.Data) != "null" {
			t.Errorf("refusal by %s: status %d, headers %v, body %+v", endpoint, refused.status, refused.header, refused.body)
		}
		if headerInt(t, refused.header, "RateLimit-Remaining") >= cost {
			t.Errorf("refused with %s points left, enough for the request (%d)", refused.header.Get("RateLimit-Remaining"), cost)
		}
	}
}

// TestAPIKeyBudgetAndUsage gives an API key its own budget and spends it: answers show the
// key's budget, its owner sees its use (requests, points, last operation), and the private
// metrics count the operations by name and caller kind.
func TestAPIKeyBudgetAndUsage(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	admin, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_RATE_SYNC": "20ms", "TAILOR_ADMIN_ADDR": admin}
	base, stop := startServe(t, ctx, env, "serve")
	t.Cleanup(stop)
	endpoint := base + "/graphql"
	owner := signUp(t, endpoint, "integrator")
	var created struct {
		CreateAPIKey struct{ Secret string }
	}
	post(t, endpoint, owner.token, `mutation { createApiKey(input: {name: "sync", scopes: [CONTENT_READ], pointsPerWindow: 5000}) { secret } }`, nil, &created)

	const named = `query SyncTopics { topics(first: 2) { edges { node { slug } } } }`
	var cost int64
	for range 3 {
		body, _ := json.Marshal(map[string]any{"query": named})
		req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+created.CreateAPIKey.Secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get("RateLimit-Limit") != "5000" {
			t.Fatalf("the key's answers say a budget of %q, want its own 5000", res.Header.Get("RateLimit-Limit"))
		}
		cost = 5000 - headerInt(t, res.Header, "RateLimit-Remaining")
	}
	var keys struct {
		Viewer struct {
			APIKeys []struct {
				PointsPerWindow int64
				Usage           struct {
					Requests, PointsUsed int64
					LastOperation        string
				}
			} `json:"apiKeys"`
		}
	}
	within(t, 5*time.Second, "the key's use", func() bool {
		post(t, endpoint, owner.token, `{ viewer { apiKeys { pointsPerWindow usage { requests pointsUsed lastOperation } } } }`, nil, &keys)
		return len(keys.Viewer.APIKeys) == 1 && keys.Viewer.APIKeys[0].Usage.Requests == 3
	})
	if k := keys.Viewer.APIKeys[0]; k.PointsPerWindow != 5000 || k.Usage.PointsUsed != cost || k.Usage.LastOperation != "SyncTopics" {
		t.Errorf("key = %+v, want 3 requests costing %d in all, last SyncTopics", k, cost)
	}
	res, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	metrics, _ := io.ReadAll(res.Body)
	if want := `tailor_graphql_operations_total{caller="api_key",operation="SyncTopics"} 3`; !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// freePort returns a loopback address nobody listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
