package graph_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tailorhq/tailor/internal/auth"
)

const signUpMutation = `mutation($in: SignUpInput!) {
  signUp(input: $in) { accessToken expiresAt viewer { handle email role } userErrors { field message code } }
}`

const logInMutation = `mutation($login: String!, $pw: String!) {
  logIn(input: {login: $login, password: $pw}) { accessToken expiresAt viewer { handle } }
}`

type signUpData struct {
	SignUp struct {
		AccessToken *string
		ExpiresAt   *time.Time
		Viewer      *struct{ Handle, Email, Role string }
		UserErrors  []struct{ Field, Message, Code string }
	}
}

func signUp(t *testing.T, email, handle, pw string) signUpData {
	t.Helper()
	var d signUpData
	post(t, signUpMutation, map[string]any{"in": map[string]any{
		"email": email, "handle": handle, "displayName": "Test " + handle, "password": pw,
	}}).ok(t, &d)
	return d
}

func TestSignUpAndLogIn(t *testing.T) {
	const pw = "correct horse battery"
	h := uniq("newbie")
	d := signUp(t, h+"@example.com", h, pw)
	if len(d.SignUp.UserErrors) != 0 || d.SignUp.AccessToken == nil || d.SignUp.Viewer == nil {
		t.Fatalf("signUp = %+v", d.SignUp)
	}
	if d.SignUp.Viewer.Role != "READER" || d.SignUp.Viewer.Email != h+"@example.com" {
		t.Errorf("new account = %+v", d.SignUp.Viewer)
	}
	if until := time.Until(*d.SignUp.ExpiresAt); until < 50*time.Minute || until > time.Hour {
		t.Errorf("token expires in %s, want about an hour (the tests' TTL)", until)
	}
	var me struct {
		Viewer struct {
			Handle, Email string
			Preferences   struct{ Locale string }
		}
	}
	postAs(t, *d.SignUp.AccessToken, `{ viewer { handle email preferences { locale } } }`, nil).ok(t, &me)
	if me.Viewer.Handle != h || me.Viewer.Email != h+"@example.com" || me.Viewer.Preferences.Locale != "en" {
		t.Errorf("viewer with the sign-up token = %+v", me.Viewer)
	}

	for _, login := range []string{h, h + "@example.com", strings.ToUpper(h) + "@example.com"} {
		var in struct {
			LogIn struct {
				AccessToken string
				Viewer      struct{ Handle string }
			}
		}
		post(t, logInMutation, map[string]any{"login": login, "pw": pw}).ok(t, &in)
		if in.LogIn.AccessToken == "" || in.LogIn.Viewer.Handle != h {
			t.Errorf("logIn(%q) = %+v", login, in.LogIn)
		}
	}

	wrong := post(t, logInMutation, map[string]any{"login": h, "pw": "not the password"})
	unknown := post(t, logInMutation, map[string]any{"login": "nobody-here", "pw": pw})
	wrong.failsWith(t, "UNAUTHENTICATED", "the login or password is wrong")
	unknown.failsWith(t, "UNAUTHENTICATED", "the login or password is wrong")
}

func TestSignUpRefusals(t *testing.T) {
	taken := uniq("taken")
	signUp(t, taken+"@example.com", taken, "a fine long password")
	tests := []struct {
		name, email, handle, pw string
		field, code             string
	}{
		{"taken email", strings.ToUpper(taken) + "@example.com", "other_handle", "a fine long password", "email", "TAKEN"},
		{"taken handle", "free@example.com", taken, "a fine long password", "handle", "TAKEN"},
		{"malformed email", "not-an-email", "valid_handle", "a fine long password", "email", "INVALID"},
		{"malformed handle", "valid@example.com", "No Spaces!", "a fine long password", "handle", "INVALID"},
		{"short password", "valid@example.com", "valid_handle", "short", "password", "TOO_SHORT"},
		{"common password", "valid@example.com", "valid_handle", "password123", "password", "TOO_WEAK"},
		{"password with the handle", "valid@example.com", "valid_handle", "valid_handle-2026", "password", "TOO_WEAK"},
		{"repetitive password", "valid@example.com", "valid_handle", "aaaaaaaaaaaaaa", "password", "TOO_WEAK"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := signUp(t, tc.email, tc.handle, tc.pw)
			if d.SignUp.AccessToken != nil || d.SignUp.Viewer != nil || len(d.SignUp.UserErrors) == 0 {
				t.Fatalf("signUp = %+v, want a refusal", d.SignUp)
			}
			e := d.SignUp.UserErrors[0]
			if e.Field != tc.field || e.Code != tc.code || e.Message == "" {
				t.Errorf("userErrors[0] = %+v, want field %s code %s", e, tc.field, tc.code)
			}
		})
	}
	var n int
	if err := testEnv.db.DB.Get(&n, `SELECT count(*) FROM users WHERE handle IN ('other_handle', 'valid_handle') OR email = 'free@example.com'`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d refused accounts were written", n)
	}
}

// craft signs arbitrary claims, for tokens the server must refuse.
func craft(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validClaims(userID int64) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": auth.Issuer, "aud": auth.Audience, "sub": strconv.FormatInt(userID, 10), "jti": "0123456789abcdef0123",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func TestRefusedCredentials(t *testing.T) {
	good := tokenFor(t, alice)
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"sub":"1"`, `"sub":"7"`, 1))) + "." + parts[2]
	expired, _, err := testTokens(func() time.Time { return time.Now().Add(-2 * time.Hour) }).Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	withClaims := func(edit func(jwt.MapClaims)) string {
		c := validClaims(alice)
		edit(c)
		return craft(t, jwt.SigningMethodHS256, testKey.Secret, testKey.ID, c)
	}
	revoked := tokenFor(t, alice)
	postAs(t, revoked, `mutation { logOut(input: {}) { revoked } }`, nil).ok(t, &map[string]any{})

	tests := []struct {
		name, header string
	}{
		{"tampered payload", "Bearer " + tampered},
		{"expired", "Bearer " + expired},
		{"wrong audience", "Bearer " + withClaims(func(c jwt.MapClaims) { c["aud"] = "someone-else" })},
		{"wrong issuer", "Bearer " + withClaims(func(c jwt.MapClaims) { c["iss"] = "evil" })},
		{"no expiry", "Bearer " + withClaims(func(c jwt.MapClaims) { delete(c, "exp") })},
		{"alg none", "Bearer " + craft(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, testKey.ID, validClaims(alice))},
		{"wrong key", "Bearer " + craft(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two bytes!!"), testKey.ID, validClaims(alice))},
		{"unknown key id", "Bearer " + craft(t, jwt.SigningMethodHS256, testKey.Secret, "nope", validClaims(alice))},
		{"HS512 instead of HS256", "Bearer " + craft(t, jwt.SigningMethodHS512, testKey.Secret, testKey.ID, validClaims(alice))},
		{"revoked by logOut", "Bearer " + revoked},
		{"unknown user", "Bearer " + tokenFor(t, 999)},
		{"garbage", "Bearer not.a.token"},
		{"malformed API key", "Bearer tlr_short"},
		{"unknown API key", "Bearer tlr_aaaaaaaaaaaa_" + strings.Repeat("0", 64)},
		{"basic scheme", "Basic YWxpY2U6cGFzcw=="},
		{"empty bearer", "Bearer "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sendWith(t, "POST", "/graphql", "application/json", tc.header, []byte(`{"query": "{ viewer { handle } }"}`))
			if r.status != 401 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Errorf("status %d errors %+v, want 401 UNAUTHENTICATED", r.status, r.Errors)
			}
		})
	}
}

func TestPreviousSigningKeyStillVerifies(t *testing.T) {
	old := auth.NewTokens(previousTestKey, nil, time.Hour, time.Now)
	token, _, err := old.Issue(carol)
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Viewer struct{ Handle string } }
	postAs(t, token, `{ viewer { handle } }`, nil).ok(t, &d)
	if d.Viewer.Handle != "carol" {
		t.Errorf("viewer = %+v", d.Viewer)
	}
}

func TestLogOutEverywhere(t *testing.T) {
	leaver := uniq("leaver")
	d := signUp(t, leaver+"@example.com", leaver, "a fine long password")
	first := *d.SignUp.AccessToken
	var in struct{ LogIn struct{ AccessToken string } }
	post(t, logInMutation, map[string]any{"login": leaver, "pw": "a fine long password"}).ok(t, &in)
	postAs(t, in.LogIn.AccessToken, `mutation { logOut(input: {everywhere: true}) { revoked } }`, nil).ok(t, &map[string]any{})
	for _, tok := range []string{first, in.LogIn.AccessToken} {
		r := postAs(t, tok, `{ viewer { handle } }`, nil)
		if r.status != 401 {
			t.Errorf("a token still works after logging out everywhere: %d %+v", r.status, r.Errors)
		}
	}
	var again struct{ LogIn struct{ AccessToken string } }
	time.Sleep(1100 * time.Millisecond) // tokens carry whole seconds
	post(t, logInMutation, map[string]any{"login": leaver, "pw": "a fine long password"}).ok(t, &again)
	var me struct{ Viewer struct{ Handle string } }
	postAs(t, again.LogIn.AccessToken, `{ viewer { handle } }`, nil).ok(t, &me)
	if me.Viewer.Handle != leaver {
		t.Errorf("a new log-in does not work after logging out everywhere: %+v", me)
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	token := tokenFor(t, carol)
	var created struct {
		CreateApiKey struct {
			Secret string
			ApiKey struct {
				ID, Prefix string
				Scopes     []string
				LastUsedAt *time.Time
			}
		}
	}
	postAs(t, token, `mutation { createApiKey(input: {name: "sync job", scopes: [USERS_READ, USERS_READ, CONTENT_READ]}) {
		secret apiKey { id prefix scopes lastUsedAt } } }`, nil).ok(t, &created)
	k := created.CreateApiKey
	if !strings.HasPrefix(k.Secret, "tlr_"+k.ApiKey.Prefix+"_") || len(k.Secret) != len("tlr_")+12+1+64 {
		t.Errorf("secret %q does not have the documented form", k.Secret)
	}
	if strings.Join(k.ApiKey.Scopes, ",") != "USERS_READ,CONTENT_READ" || k.ApiKey.LastUsedAt != nil {
		t.Errorf("new key = %+v", k.ApiKey)
	}

	var me struct{ Viewer struct{ Handle string } }
	postAs(t, k.Secret, `{ viewer { handle } }`, nil).ok(t, &me)
	if me.Viewer.Handle != "carol" {
		t.Errorf("the key acts as %+v, want carol", me.Viewer)
	}

	list := postAs(t, token, `{ viewer { apiKeys { id name prefix lastUsedAt revokedAt } } }`, nil)
	var listed struct {
		Viewer struct {
			ApiKeys []struct {
				ID         string
				LastUsedAt *time.Time
			}
		}
	}
	list.ok(t, &listed)
	if strings.Contains(string(list.Data), k.Secret[len("tlr_")+13:]) {
		t.Error("listing keys shows the secret")
	}
	used := false
	for _, lk := range listed.Viewer.ApiKeys {
		used = used || (lk.ID == k.ApiKey.ID && lk.LastUsedAt != nil)
	}
	if !used {
		t.Errorf("keys = %+v, want the new key listed with lastUsedAt set", listed.Viewer.ApiKeys)
	}

	var revoked struct {
		RevokeApiKey struct {
			ApiKey struct{ RevokedAt *time.Time }
		}
	}
	postAs(t, token, `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } } }`, map[string]any{"id": k.ApiKey.ID}).ok(t, &revoked)
	if revoked.RevokeApiKey.ApiKey.RevokedAt == nil {
		t.Error("revokeApiKey did not set revokedAt")
	}
	if r := postAs(t, k.Secret, `{ viewer { handle } }`, nil); r.status != 401 {
		t.Errorf("a revoked key still works: %d", r.status)
	}

	var other struct {
		RevokeApiKey struct {
			UserErrors []struct{ Code string }
		}
	}
	postAs(t, tokenFor(t, bob), `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { userErrors { code } } }`, map[string]any{"id": k.ApiKey.ID}).ok(t, &other)
	if len(other.RevokeApiKey.UserErrors) != 1 || other.RevokeApiKey.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("another user revoking carol's key got %+v, want NOT_FOUND", other.RevokeApiKey.UserErrors)
	}
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	const pw = "a very secret passphrase"
	quiet := uniq("quiet")
	d := signUp(t, quiet+"@example.com", quiet, pw)
	var key struct{ CreateApiKey struct{ Secret string } }
	postAs(t, *d.SignUp.AccessToken, `mutation { createApiKey(input: {name: "k", scopes: [CONTENT_READ]}) { secret } }`, nil).ok(t, &key)
	post(t, logInMutation, map[string]any{"login": quiet, "pw": "wrong " + pw})
	logs := testEnv.logs.String()
	if !strings.Contains(logs, "account created") {
		t.Fatal("the server logged nothing; the check below would prove nothing")
	}
	for name, secret := range map[string]string{"password": pw, "access token": *d.SignUp.AccessToken, "api key": key.CreateApiKey.Secret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", name)
		}
	}
}
