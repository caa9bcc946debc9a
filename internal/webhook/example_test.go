package webhook_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/tailorhq/tailor/internal/webhook"
)

// A receiver checks every request before trusting it, and uses webhook-id to process each
// message once however often it is retried.
func ExampleVerify() {
	// The webhook's secret, shown once by Tailor when the webhook was created.
	const secret = "whsec_FOKxxxVg5+UMKnuLMGQGOV3aYOooE/vnres2fCOMnkY="

	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Verify the raw bytes: decoding and re-encoding the JSON would change what was signed.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, time.Now()); err != nil {
			http.Error(w, "invalid webhook", http.StatusUnauthorized)
			return
		}
		fmt.Printf("accepted %s: %s\n", r.Header.Get("webhook-id"), body)
		w.WriteHeader(http.StatusNoContent)
	})

	// What Tailor sends, and the same request with its body altered on the way.
	body := []byte(`{"type":"content.published","data":{"id":"42"}}`)
	for _, sent := range [][]byte{body, bytes.Replace(body, []byte("42"), []byte("43"), 1)} {
		now := time.Now()
		signature, err := webhook.Sign(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, body)
		if err != nil {
			panic(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/tailor", bytes.NewReader(sent))
		req.Header.Set("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", signature)

		rec := httptest.NewRecorder()
		receiver.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// accepted msg_2KWPBgLlAfxdpx2AI54pPJ85f4W: {"type":"content.published","data":{"id":"42"}}
	// 204
	// 401
}
