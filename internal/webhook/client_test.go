package webhook

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// attempt is what a receiver saw of one request.
type attempt struct {
	method, contentType, userAgent string
	id, timestamp, signature       string
	body                           string
	verifyErr                      error
}

// receiver is an integrator's endpoint: it verifies every request as a real one would, records
// it, and answers with statuses in turn (repeating the last).
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	attempts []attempt
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.attempts)
		rc.attempts = append(rc.attempts, attempt{
			method:      r.Method,
			contentType: r.Header.Get("Content-Type"),
			userAgent:   r.Header.Get("User-Agent"),
			id:          r.Header.Get(HeaderID),
			timestamp:   r.Header.Get(HeaderTimestamp),
			signature:   r.Header.Get(HeaderSignature),
			body:        string(body),
			verifyErr:   Verify(testSecret, r.Header, body, time.Now()),
		})
		rc.mu.Unlock()
		status := http.StatusNoContent
		if len(statuses) > 0 {
			status = statuses[min(n, len(statuses)-1)]
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) seen() []attempt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]attempt(nil), rc.attempts...)
}

func TestDeliverRetrySendsSameIDWithFreshSignature(t *testing.T) {
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusOK)
	client := NewClient(5*time.Second, true)
	d := Delivery{
		URL:    rc.srv.URL + "/hooks",
		Secret: testSecret,
		ID:     "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
		Body:   []byte(`{"type":"content.published","data":{"id":"42"}}`),
	}

	d.Timestamp = time.Now().Add(-30 * time.Second)
	first := client.Deliver(context.Background(), d)
	if first.StatusCode != http.StatusInternalServerError || !errors.Is(first.Err, ErrRejected) || first.Permanent {
		t.Fatalf("first attempt = %+v, want a retryable 500", first)
	}
	d.Timestamp = time.Now()
	second := client.Deliver(context.Background(), d)
	if second.StatusCode != http.StatusOK || second.Err != nil || second.Permanent {
		t.Fatalf("second attempt = %+v, want 200 and no error", second)
	}

	seen := rc.seen()
	if len(seen) != 2 {
		t.Fatalf("receiver saw %d requests, want 2", len(seen))
	}
	for i, a := range seen {
		if a.verifyErr != nil {
			t.Errorf("attempt %d: Verify: %v", i+1, a.verifyErr)
		}
		if a.id != d.ID {
			t.Errorf("attempt %d: webhook-id = %q, want %q", i+1, a.id, d.ID)
		}
		if a.body != string(d.Body) {
			t.Errorf("attempt %d: body = %q, want %q", i+1, a.body, d.Body)
		}
		if a.method != http.MethodPost || a.contentType != "application/json" || a.userAgent != UserAgent {
			t.Errorf("attempt %d: %s with content-type %q, user-agent %q", i+1, a.method, a.contentType, a.userAgent)
		}
	}
	if seen[0].timestamp == seen[1].timestamp || seen[0].signature == seen[1].signature {
		t.Errorf("retry reused timestamp %s and signature %s", seen[1].timestamp, seen[1].signature)
	}
}

func TestDeliverStatuses(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		wantErr       bool
		wantPermanent bool
	}{
		{name: "200", status: http.StatusOK},
		{name: "202", status: http.StatusAccepted},
		{name: "204", status: http.StatusNoContent},
		{name: "400", status: http.StatusBadRequest, wantErr: true},
		{name: "404", status: http.StatusNotFound, wantErr: true},
		{name: "410 Gone is permanent", status: http.StatusGone, wantErr: true, wantPermanent: true},
		{name: "429", status: http.StatusTooManyRequests, wantErr: true},
		{name: "500", status: http.StatusInternalServerError, wantErr: true},
		{name: "503", status: http.StatusServiceUnavailable, wantErr: true},
	}
	client := NewClient(5*time.Second, true)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, tc.status)
			res := client.Deliver(context.Background(), Delivery{URL: rc.srv.URL, Secret: testSecret, ID: "msg_1", Body: []byte(`{}`)})
			if res.StatusCode != tc.status {
				t.Errorf("StatusCode = %d, want %d", res.StatusCode, tc.status)
			}
			if gotErr := res.Err != nil; gotErr != tc.wantErr || (tc.wantErr && !errors.Is(res.Err, ErrRejected)) {
				t.Errorf("Err = %v, want error: %v", res.Err, tc.wantErr)
			}
			if res.Permanent != tc.wantPermanent {
				t.Errorf("Permanent = %v, want %v", res.Permanent, tc.wantPermanent)
			}
			if res.Latency <= 0 {
				t.Errorf("Latency = %v, want > 0", res.Latency)
			}
		})
	}
}

func TestDeliverDoesNotFollowRedirects(t *testing.T) {
	target := newReceiver(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.srv.URL, status)
			}))
			t.Cleanup(redirector.Close)

			res := NewClient(5*time.Second, true).Deliver(context.Background(),
				Delivery{URL: redirector.URL, Secret: testSecret, ID: "msg_1", Body: []byte(`{}`)})
			if res.StatusCode != status || !errors.Is(res.Err, ErrRejected) || res.Permanent {
				t.Errorf("Deliver = %+v, want a retryable %d failure", res, status)
			}
			if n := len(target.seen()); n != 0 {
				t.Errorf("redirect target received %d requests, want 0", n)
			}
		})
	}
}

func TestDeliverTimesOut(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs before slow.Close, which waits for the handler
	fast := newReceiver(t)
	client := NewClient(time.Second, true)

	slowDone := make(chan Result, 1)
	go func() {
		slowDone <- client.Deliver(context.Background(), Delivery{URL: slow.URL, Secret: testSecret, ID: "msg_1", Body: []byte(`{}`)})
	}()
	<-entered

	// While the slow receiver holds its delivery, another receiver is served at once.
	res := client.Deliver(context.Background(), Delivery{URL: fast.srv.URL, Secret: testSecret, ID: "msg_2", Body: []byte(`{}`)})
	if res.Err != nil {
		t.Errorf("delivery to the fast receiver: %v", res.Err)
	}
	select {
	case r := <-slowDone:
		t.Fatalf("slow delivery finished before the fast one was checked: %+v", r)
	default:
	}

	select {
	case r := <-slowDone:
		if !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("Err = %v, want context.DeadlineExceeded", r.Err)
		}
		if r.StatusCode != 0 || r.Permanent {
			t.Errorf("Deliver = %+v, want no status and a retryable failure", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("slow delivery did not give up after its timeout")
	}
}

func TestDeliverHonoursCallerContext(t *testing.T) {
	rc := newReceiver(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := NewClient(5*time.Second, true).Deliver(ctx, Delivery{URL: rc.srv.URL, Secret: testSecret, ID: "msg_1", Body: []byte(`{}`)})
	if !errors.Is(res.Err, context.Canceled) || res.Permanent {
		t.Errorf("Deliver = %+v, want a retryable context.Canceled", res)
	}
}

func TestDeliverReadsLittleOfTheResponse(t *testing.T) {
	// This receiver would stream forever; reading it all would end in the delivery's timeout.
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		chunk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(endless.Close)

	res := NewClient(10*time.Second, true).Deliver(context.Background(),
		Delivery{URL: endless.URL, Secret: testSecret, ID: "msg_1", Body: []byte(`{}`)})
	if res.StatusCode != http.StatusOK || res.Err != nil {
		t.Errorf("Deliver = %+v, want 200 and no error", res)
	}
}

func TestDeliverRefusesBeforeSending(t *testing.T) {
	rc := newReceiver(t)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name string
		d    Delivery
		want error
	}{
		{name: "loopback URL", d: Delivery{URL: rc.srv.URL, Secret: testSecret, ID: "msg_1"}, want: ErrInvalidURL},
		{name: "localhost URL", d: Delivery{URL: "http://localhost:" + strconv.Itoa(port) + "/", Secret: testSecret, ID: "msg_1"}, want: ErrInvalidURL},
		{name: "bad scheme", d: Delivery{URL: "ftp://example.com/", Secret: testSecret, ID: "msg_1"}, want: ErrInvalidURL},
		{name: "bad secret", d: Delivery{URL: "https://example.com/", Secret: "whsec_x", ID: "msg_1"}, want: ErrInvalidSecret},
		{name: "bad id", d: Delivery{URL: "https://example.com/", Secret: testSecret, ID: "msg.1"}, want: ErrInvalidID},
	}
	client := NewClient(5*time.Second, false)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := client.Deliver(context.Background(), tc.d)
			if !errors.Is(res.Err, tc.want) || !res.Permanent || res.StatusCode != 0 {
				t.Errorf("Deliver = %+v, want a permanent %v", res, tc.want)
			}
		})
	}
	if n := len(rc.seen()); n != 0 {
		t.Errorf("receiver got %d requests, want 0", n)
	}
}

// A name that passes ValidateURL but resolves to 127.0.0.1 (DNS rebinding) must be stopped
// when connecting.
func TestDeliverRefusesNamesResolvingToForbiddenAddresses(t *testing.T) {
	rc := newReceiver(t)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort("hooks.rebind.test.", strconv.Itoa(port)), Path: "/hooks"}
	if err := ValidateURL(u.String(), false); err != nil {
		t.Fatalf("ValidateURL(%s) = %v; the test needs a URL that passes", u, err)
	}
	tests := []struct {
		name         string
		allowPrivate bool
		wantErr      error
		wantRequests int
	}{
		{name: "refused", allowPrivate: false, wantErr: ErrForbiddenAddress, wantRequests: 0},
		// Shows that the name does resolve to the receiver, so the refusal above is the dialer's.
		{name: "allowed when private addresses are", allowPrivate: true, wantRequests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rc.seen())
			client := newClient(5*time.Second, tc.allowPrivate, resolveAllTo(net.IPv4(127, 0, 0, 1)))
			res := client.Deliver(context.Background(), Delivery{URL: u.String(), Secret: testSecret, ID: "msg_1", Body: []byte(`{}`)})
			if tc.wantErr == nil && res.Err != nil {
				t.Errorf("Deliver: %v", res.Err)
			}
			if tc.wantErr != nil && (!errors.Is(res.Err, tc.wantErr) || !res.Permanent) {
				t.Errorf("Deliver = %+v, want a permanent %v", res, tc.wantErr)
			}
			if got := len(rc.seen()) - before; got != tc.wantRequests {
				t.Errorf("receiver got %d requests, want %d", got, tc.wantRequests)
			}
		})
	}
}

func TestRefuseForbidden(t *testing.T) {
	tests := []struct {
		address string
		refused bool
	}{
		{address: "93.184.215.14:443"},
		{address: "[2606:4700::1111]:443"},
		{address: "127.0.0.1:80", refused: true},
		{address: "[::1]:80", refused: true},
		{address: "10.0.0.1:80", refused: true},
		{address: "172.20.0.1:80", refused: true},
		{address: "192.168.0.10:80", refused: true},
		{address: "[fd00::1]:80", refused: true},
		{address: "169.254.169.254:80", refused: true},
		{address: "[fe80::1%eth0]:80", refused: true},
		{address: "100.100.100.200:80", refused: true},
		{address: "0.0.0.0:80", refused: true},
		{address: "[::ffff:192.168.0.1]:80", refused: true},
		{address: "not-an-address", refused: true},
	}
	for _, tc := range tests {
		t.Run(tc.address, func(t *testing.T) {
			err := refuseForbidden("tcp", tc.address, nil)
			if tc.refused && !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("err = %v, want ErrForbiddenAddress", err)
			}
			if !tc.refused && err != nil {
				t.Errorf("err = %v, want nil", err)
			}
		})
	}
}

// resolveAllTo returns a resolver whose DNS server answers every A query with ip and every
// other query with no records.
func resolveAllTo(ip net.IP) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			// A net.Pipe is not a PacketConn, so the resolver speaks DNS over TCP framing.
			client, server := net.Pipe()
			go serveDNS(server, ip.To4())
			return client, nil
		},
	}
}

func serveDNS(conn net.Conn, ip net.IP) {
	defer conn.Close()
	for {
		var size [2]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return
		}
		query := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(conn, query); err != nil {
			return
		}
		reply := dnsReply(query, ip)
		if _, err := conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(reply))), reply...)); err != nil {
			return
		}
	}
}

// dnsReply answers a one-question query (RFC 1035 §4.1) authoritatively.
func dnsReply(query []byte, ip net.IP) []byte {
	end := 12
	for query[end] != 0 {
		end += int(query[end]) + 1
	}
	end += 5 // root label, QTYPE, QCLASS
	isA := binary.BigEndian.Uint16(query[end-4:]) == 1

	reply := append([]byte(nil), query[:2]...)      // ID
	reply = append(reply, 0x84|query[2]&0x01, 0x80) // QR, AA, RD copied; RA
	reply = append(reply, 0, 1, 0, 0, 0, 0, 0, 0)   // QDCOUNT 1; ANCOUNT set below; no NS or additional records
	reply = append(reply, query[12:end]...)         // the question
	if isA {
		reply[7] = 1                                                   // ANCOUNT
		reply = append(reply, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4) // name pointer, A, IN, TTL, RDLENGTH
		reply = append(reply, ip...)
	}
	return reply
}
