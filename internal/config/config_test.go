package config

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultsLoad(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.PageSizeMax != 100 || c.LoaderWait != time.Millisecond || !c.AutoMigrate {
		t.Errorf("defaults = %+v", c)
	}
}

func TestBadValuesAreRefused(t *testing.T) {
	tests := []struct {
		name, variable, value, message string
	}{
		{"not a number", "TAILOR_DB_MAX_CONNS", "many", "TAILOR_DB_MAX_CONNS must be a whole number"},
		{"not a bool", "TAILOR_AUTO_MIGRATE", "sometimes", "TAILOR_AUTO_MIGRATE must be true or false"},
		{"not a duration", "TAILOR_REQUEST_TIMEOUT", "soon", "TAILOR_REQUEST_TIMEOUT must be a duration"},
		{"negative duration", "TAILOR_LOADER_WAIT", "-1ms", "TAILOR_LOADER_WAIT must be a duration"},
		{"default above max", "TAILOR_PAGE_SIZE_DEFAULT", "500", "TAILOR_PAGE_SIZE_DEFAULT must be between 1 and TAILOR_PAGE_SIZE_MAX"},
		{"zero connections", "TAILOR_DB_MAX_CONNS", "0", "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(func(k string) string {
				if k == tc.variable {
					return tc.value
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("err = %v, want it to contain %q", err, tc.message)
			}
		})
	}
}

// The README's configuration table must list every setting with its real default.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings() {
		row := "| `" + s.Name + "` | `" + s.Default + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no row starting %s", row)
		}
	}
}

func TestIntegratorSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		message string // the refusal expected; empty when the settings load
		check   func(c Config) bool
	}{
		{"defaults", nil, "", func(c Config) bool {
			return c.CORSOrigins == nil && c.Introspection == "on" && c.TrustedDocuments == "off" && c.PublicMaxAge == time.Minute
		}},
		{"exact origins", map[string]string{"TAILOR_CORS_ORIGINS": "https://app.example.com, http://localhost:3000/"}, "", func(c Config) bool {
			return slices.Equal(c.CORSOrigins, []string{"https://app.example.com", "http://localhost:3000"})
		}},
		{"every origin", map[string]string{"TAILOR_CORS_ORIGINS": "*"}, "", func(c Config) bool { return slices.Equal(c.CORSOrigins, []string{"*"}) }},
		{"modes", map[string]string{"TAILOR_INTROSPECTION": "signed-in", "TAILOR_TRUSTED_DOCUMENTS": "required", "TAILOR_PUBLIC_MAX_AGE": "0s"}, "", func(c Config) bool {
			return c.Introspection == "signed-in" && c.TrustedDocuments == "required" && c.PublicMaxAge == 0
		}},
		{"origin without scheme", map[string]string{"TAILOR_CORS_ORIGINS": "app.example.com"}, "TAILOR_CORS_ORIGINS must list origins", nil},
		{"origin with a path", map[string]string{"TAILOR_CORS_ORIGINS": "https://app.example.com/graphql"}, "TAILOR_CORS_ORIGINS must list origins", nil},
		{"wildcard origin", map[string]string{"TAILOR_CORS_ORIGINS": "https://*.example.com"}, "TAILOR_CORS_ORIGINS must list origins", nil},
		{"unknown introspection", map[string]string{"TAILOR_INTROSPECTION": "admins"}, "TAILOR_INTROSPECTION must be one of on, signed-in, off", nil},
		{"unknown trusted documents", map[string]string{"TAILOR_TRUSTED_DOCUMENTS": "on"}, "TAILOR_TRUSTED_DOCUMENTS must be one of", nil},
		{"negative max age", map[string]string{"TAILOR_PUBLIC_MAX_AGE": "-1s"}, "TAILOR_PUBLIC_MAX_AGE must be a duration", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(func(k string) string { return tc.env[k] })
			if tc.message != "" {
				if err == nil || !strings.Contains(err.Error(), tc.message) {
					t.Errorf("err = %v, want it to contain %q", err, tc.message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}
