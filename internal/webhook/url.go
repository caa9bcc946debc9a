package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxURLLength is the longest webhook URL ValidateURL accepts, in characters.
const MaxURLLength = 2000

// ErrInvalidURL is wrapped by every *InvalidURLError, for callers that only need to know that a
// webhook URL was refused.
var ErrInvalidURL = errors.New("webhook: invalid URL")

// ErrForbiddenAddress means a webhook host resolved, at connect time, to an address in a range
// webhooks may not reach (loopback, private, link-local, ...). Deliver reports it as permanent.
var ErrForbiddenAddress = errors.New("webhook: forbidden address")

// InvalidURLError says why ValidateURL refused a webhook URL.
type InvalidURLError struct {
	// Reason is a human sentence fit to show on the url field, such as
	// "URL must start with http:// or https://".
	Reason string
}

// Error returns the reason prefixed with the package name.
func (e *InvalidURLError) Error() string { return "webhook: invalid URL: " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalidURL) hold.
func (e *InvalidURLError) Unwrap() error { return ErrInvalidURL }

func invalidURL(format string, args ...any) error {
	return &InvalidURLError{Reason: fmt.Sprintf(format, args...)}
}

// ValidateURL reports whether raw may be stored as a webhook URL: an absolute http or https URL
// of at most MaxURLLength characters with a host and no user name or password. Unless
// allowPrivate, it also refuses hosts that are IP literals in loopback, private, link-local,
// unspecified, multicast or shared (CGNAT) ranges, the cloud metadata address, and names that
// only exist inside a private network (localhost, *.localhost, *.local, *.internal,
// *.home.arpa). A refusal is an *InvalidURLError.
//
// Names are not resolved here: a public name may still point at a private address, which the
// Client's dialer refuses when it connects.
func ValidateURL(raw string, allowPrivate bool) error {
	if n := utf8.RuneCountInString(raw); n > MaxURLLength {
		return invalidURL("URL must be at most %d characters long (it has %d)", MaxURLLength, n)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalidURL("URL is not valid")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalidURL("URL must start with http:// or https://")
	}
	if u.Opaque != "" || u.Host == "" {
		return invalidURL("URL must be absolute, such as https://example.com/webhooks")
	}
	if u.User != nil {
		return invalidURL("URL must not contain a user name or password")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalidURL("URL has an invalid port %q", p)
		}
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return invalidURL("URL must include a host name")
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if reason := forbiddenReason(addr); reason != "" && !allowPrivate {
			return invalidURL("URL host %s is %s", host, reason)
		}
		return nil
	}
	name := strings.TrimSuffix(host, ".")
	if reason := badHostName(name); reason != "" {
		return invalidURL("URL host %q %s", host, reason)
	}
	if !allowPrivate && isPrivateName(name) {
		return invalidURL("URL host %s only exists inside a private network", host)
	}
	return nil
}

// badHostName checks the syntax of a DNS name, so that an integrator learns about a typo when
// saving the webhook rather than from failing deliveries.
func badHostName(name string) string {
	if len(name) > 253 {
		return "is longer than 253 characters"
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return "is not a valid host name"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "is not a valid host name (write international names in their xn-- form)"
			}
		}
	}
	// Browsers and some resolvers read a name ending in a number ("2130706433", "127.1",
	// "0x7f.1") as an IPv4 address, which would slip past the IP literal checks.
	if last := labels[len(labels)-1]; isNumber(last) {
		return "looks like an IP address in a non-standard form"
	}
	return ""
}

func isNumber(label string) bool {
	digits := label
	if rest, ok := strings.CutPrefix(label, "0x"); ok {
		if rest == "" {
			return true
		}
		for i := 0; i < len(rest); i++ {
			if c := rest[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isPrivateName reports names reserved for use inside one network (RFC 6761 localhost,
// RFC 6762 .local, ICANN's .internal, RFC 8375 .home.arpa).
func isPrivateName(name string) bool {
	for _, zone := range []string{"localhost", "local", "internal", "home.arpa"} {
		if name == zone || strings.HasSuffix(name, "."+zone) {
			return true
		}
	}
	return false
}

// forbiddenReason returns why a webhook may not reach addr ("a loopback address"), or "" if it
// may.
func forbiddenReason(addr netip.Addr) string {
	// ::ffff:127.0.0.1 reaches 127.0.0.1.
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		switch {
		case b == [4]byte{169, 254, 169, 254}:
			return "the cloud metadata address"
		case b[0] == 0:
			// Linux connects 0.0.0.0/8 to the local host.
			return "an unspecified address"
		case b[0] == 100 && b[1]&0xc0 == 64:
			return "a shared (CGNAT) address"
		}
	}
	switch {
	case addr.IsUnspecified():
		return "an unspecified address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		return "a private network address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast():
		return "a multicast address"
	case addr.Is4() && addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	return ""
}
