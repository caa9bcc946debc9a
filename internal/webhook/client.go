package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// DefaultTimeout is the per-delivery timeout NewClient uses when given none; the Standard
// Webhooks guidance is 15 to 30 seconds.
const DefaultTimeout = 15 * time.Second

// UserAgent is sent with every delivery.
const UserAgent = "Tailor-Webhooks/1"

const (
	// maxResponseRead bounds what is read of a receiver's answer, which is discarded anyway.
	maxResponseRead = 4 << 10
	// maxConnsPerHost bounds the connections one receiver can hold open; further deliveries
	// to it wait for a connection within their own timeout.
	maxConnsPerHost = 4
)

// ErrRejected means the receiver answered with a status other than 2xx, a redirect included.
var ErrRejected = errors.New("webhook: receiver did not accept the delivery")

// Delivery is one attempt to deliver one message to one webhook.
type Delivery struct {
	// URL is the webhook's endpoint.
	URL string
	// Secret is the webhook's "whsec_" signing secret.
	Secret string
	// ID is the message id; it must be the same on every attempt of one message.
	ID string
	// Timestamp is when this attempt is made; the zero time means now.
	Timestamp time.Time
	// Body is the exact JSON payload to send and sign.
	Body []byte
}

// Result is the outcome of one delivery attempt.
type Result struct {
	// StatusCode is the receiver's HTTP status, or 0 if no response arrived.
	StatusCode int
	// Latency is how long the exchange took, from sending the request until the response was
	// read or the attempt failed.
	Latency time.Duration
	// Err is nil exactly when the receiver answered 2xx.
	Err error
	// Permanent reports a failure that retrying cannot fix (410 Gone, an invalid URL or secret,
	// a host resolving to a forbidden address): the caller should stop retrying the delivery.
	Permanent bool
}

// Client delivers signed webhooks over HTTP. It is safe for concurrent use; one Client should
// serve the whole process so that its connection pool is shared.
type Client struct {
	http         *http.Client
	timeout      time.Duration
	allowPrivate bool
}

// NewClient returns a Client whose deliveries each time out after timeout (DefaultTimeout if
// timeout <= 0). Unless allowPrivate, it refuses URLs that ValidateURL refuses and, at connect
// time, any address in a forbidden range, whatever name resolved to it.
func NewClient(timeout time.Duration, allowPrivate bool) *Client {
	return newClient(timeout, allowPrivate, nil)
}

// newClient lets tests resolve names through their own DNS server.
func newClient(timeout time.Duration, allowPrivate bool, resolver *net.Resolver) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Resolver:  resolver,
	}
	if !allowPrivate {
		// Checking the address being connected to, after resolution, is what stops a name
		// that passed ValidateURL from later resolving to an internal host (DNS rebinding).
		dialer.Control = refuseForbidden
	}
	transport := &http.Transport{
		// No Proxy: a proxy would connect on our behalf, out of reach of the dialer's check.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    2,
		MaxConnsPerHost:        maxConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 16 << 10,
		DisableCompression:     true,
	}
	return &Client{
		http: &http.Client{
			Transport: transport,
			// A redirect is a failure: the integrator should update the URL, and following it
			// would send the payload somewhere ValidateURL never saw.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout:      timeout,
		allowPrivate: allowPrivate,
	}
}

// refuseForbidden is a net.Dialer Control function: address is the resolved "ip:port" about
// to be connected to.
func refuseForbidden(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q", ErrForbiddenAddress, address)
	}
	if reason := forbiddenReason(ap.Addr()); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, ap.Addr(), reason)
	}
	return nil
}

// Deliver POSTs d.Body to d.URL, signed with d.Secret, and reports the outcome. It never
// follows redirects, reads at most a few KB of the response, and gives up after the Client's
// timeout or when ctx ends, whichever is first.
func (c *Client) Deliver(ctx context.Context, d Delivery) Result {
	if err := ValidateURL(d.URL, c.allowPrivate); err != nil {
		return Result{Err: fmt.Errorf("webhook: deliver: %w", err), Permanent: true}
	}
	at := d.Timestamp
	if at.IsZero() {
		at = time.Now()
	}
	signature, err := Sign(d.Secret, d.ID, at, d.Body)
	if err != nil {
		return Result{Err: fmt.Errorf("webhook: deliver: %w", err), Permanent: true}
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Result{Err: fmt.Errorf("webhook: deliver: %w", err), Permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderID, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, signature)

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return Result{
			Latency:   time.Since(start),
			Err:       fmt.Errorf("webhook: deliver: %w", err),
			Permanent: errors.Is(err, ErrForbiddenAddress),
		}
	}
	// Draining a little lets a short answer free the connection for reuse; the rest is cut
	// off so a receiver cannot make us read forever.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	_ = resp.Body.Close()
	res := Result{StatusCode: resp.StatusCode, Latency: time.Since(start)}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	case resp.StatusCode == http.StatusGone:
		res.Err = fmt.Errorf("%w: %s (the receiver asked to stop)", ErrRejected, resp.Status)
		res.Permanent = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Err = fmt.Errorf("%w: %s redirect to %.200q not followed", ErrRejected, resp.Status, resp.Header.Get("Location"))
	default:
		res.Err = fmt.Errorf("%w: %s", ErrRejected, resp.Status)
	}
	return res
}
