package webhook

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
		// private marks URLs refused only when private addresses are not allowed.
		private bool
		// wantReason is a fragment of the refusal's Reason, or "" if the URL is accepted.
		wantReason string
	}{
		{name: "https", url: "https://example.com/webhooks/tailor"},
		{name: "http with port and query", url: "http://hooks.example.com:8080/in?token=abc"},
		{name: "upper-case scheme and host", url: "HTTPS://Example.COM/x"},
		{name: "fully qualified name", url: "https://example.com./x"},
		{name: "public IPv4", url: "https://93.184.215.14/x"},
		{name: "public IPv6", url: "https://[2606:4700::1111]/x"},
		{name: "just above 172.16/12", url: "http://172.32.0.1/"},
		{name: "just below CGNAT", url: "http://100.63.255.255/"},
		{name: "just above CGNAT", url: "http://100.128.0.1/"},
		{name: "underscore in name", url: "https://my_hooks.example.com/"},
		{name: "longest allowed", url: "https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/"))},

		{name: "too long", url: "https://example.com/" + strings.Repeat("a", MaxURLLength), wantReason: "at most 2000 characters"},
		{name: "ftp", url: "ftp://example.com/x", wantReason: "http:// or https://"},
		{name: "javascript", url: "javascript:alert(1)", wantReason: "http:// or https://"},
		{name: "file", url: "file:///etc/passwd", wantReason: "http:// or https://"},
		{name: "no scheme", url: "example.com/webhooks", wantReason: "http:// or https://"},
		{name: "empty", url: "", wantReason: "http:// or https://"},
		{name: "opaque", url: "https:example.com", wantReason: "absolute"},
		{name: "no host", url: "https:///webhooks", wantReason: "absolute"},
		{name: "only a port", url: "https://:443/webhooks", wantReason: "host name"},
		{name: "user and password", url: "https://user:secret@example.com/", wantReason: "user name or password"},
		{name: "user only", url: "https://user@example.com/", wantReason: "user name or password"},
		{name: "port 0", url: "https://example.com:0/", wantReason: "port"},
		{name: "port too large", url: "https://example.com:70000/", wantReason: "port"},
		{name: "space in host", url: "https://exa mple.com/", wantReason: "not valid"},
		{name: "unicode host", url: "https://bücher.example/", wantReason: "xn--"},
		{name: "empty label", url: "https://example..com/", wantReason: "not a valid host name"},
		{name: "decimal IPv4", url: "http://2130706433/", wantReason: "non-standard form"},
		{name: "short IPv4", url: "http://127.1/", wantReason: "non-standard form"},
		{name: "hex IPv4", url: "http://0x7f.0.0.1/", wantReason: "non-standard form"},
		{name: "hex last label", url: "http://10.0.0.0x1/", wantReason: "non-standard form"},

		{name: "loopback", url: "http://127.0.0.1:8080/", private: true, wantReason: "loopback"},
		{name: "loopback /8", url: "http://127.255.0.9/", private: true, wantReason: "loopback"},
		{name: "IPv6 loopback", url: "http://[::1]/", private: true, wantReason: "loopback"},
		{name: "IPv4-mapped loopback", url: "http://[::ffff:127.0.0.1]/", private: true, wantReason: "loopback"},
		{name: "10/8", url: "http://10.1.2.3/", private: true, wantReason: "private network"},
		{name: "172.16/12 low", url: "http://172.16.0.1/", private: true, wantReason: "private network"},
		{name: "172.16/12 high", url: "http://172.31.255.255/", private: true, wantReason: "private network"},
		{name: "192.168/16", url: "http://192.168.1.1/", private: true, wantReason: "private network"},
		{name: "IPv4-mapped private", url: "http://[::ffff:10.0.0.1]/", private: true, wantReason: "private network"},
		{name: "fc00::/7", url: "http://[fc00::1]/", private: true, wantReason: "private network"},
		{name: "fd00::/8", url: "http://[fd12:3456::1]/", private: true, wantReason: "private network"},
		{name: "link-local", url: "http://169.254.1.1/", private: true, wantReason: "link-local"},
		{name: "IPv6 link-local", url: "http://[fe80::1]/", private: true, wantReason: "link-local"},
		{name: "IPv6 link-local with zone", url: "http://[fe80::1%25eth0]/", private: true, wantReason: "link-local"},
		{name: "metadata", url: "http://169.254.169.254/latest/meta-data/", private: true, wantReason: "metadata"},
		{name: "unspecified", url: "http://0.0.0.0/", private: true, wantReason: "unspecified"},
		{name: "this network", url: "http://0.1.2.3/", private: true, wantReason: "unspecified"},
		{name: "IPv6 unspecified", url: "http://[::]/", private: true, wantReason: "unspecified"},
		{name: "multicast", url: "http://224.0.0.1/", private: true, wantReason: "multicast"},
		{name: "IPv6 multicast", url: "http://[ff02::1]/", private: true, wantReason: "multicast"},
		{name: "broadcast", url: "http://255.255.255.255/", private: true, wantReason: "broadcast"},
		{name: "CGNAT low", url: "http://100.64.0.1/", private: true, wantReason: "CGNAT"},
		{name: "CGNAT high", url: "http://100.127.255.255/", private: true, wantReason: "CGNAT"},
		{name: "localhost", url: "http://localhost:3000/", private: true, wantReason: "private network"},
		{name: "localhost, upper case with dot", url: "http://LOCALHOST./", private: true, wantReason: "private network"},
		{name: "subdomain of localhost", url: "http://api.localhost/", private: true, wantReason: "private network"},
		{name: "mDNS", url: "http://printer.local/", private: true, wantReason: "private network"},
		{name: ".internal", url: "http://metadata.google.internal/", private: true, wantReason: "private network"},
		{name: ".home.arpa", url: "http://nas.home.arpa/", private: true, wantReason: "private network"},
	}
	for _, tc := range tests {
		for _, allowPrivate := range []bool{false, true} {
			name := tc.name
			if allowPrivate {
				name += "/allowPrivate"
			}
			t.Run(name, func(t *testing.T) {
				err := ValidateURL(tc.url, allowPrivate)
				if tc.wantReason == "" || tc.private && allowPrivate {
					if err != nil {
						t.Errorf("ValidateURL(%q) = %v, want nil", tc.url, err)
					}
					return
				}
				var invalid *InvalidURLError
				if !errors.As(err, &invalid) {
					t.Fatalf("ValidateURL(%q) = %v, want *InvalidURLError", tc.url, err)
				}
				if !errors.Is(err, ErrInvalidURL) {
					t.Errorf("errors.Is(%v, ErrInvalidURL) = false", err)
				}
				if !strings.Contains(invalid.Reason, tc.wantReason) {
					t.Errorf("Reason = %q, want it to mention %q", invalid.Reason, tc.wantReason)
				}
			})
		}
	}
}
