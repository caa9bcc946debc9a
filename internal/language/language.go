// Package language holds the one rule for language codes: content items and the languages a
// person reads are named by two-letter lowercase ISO 639-1 codes.
package language

// Valid reports whether code is a two-letter lowercase code such as "en". The database
// checks the same rule on contents.language.
func Valid(code string) bool {
	return len(code) == 2 && code[0] >= 'a' && code[0] <= 'z' && code[1] >= 'a' && code[1] <= 'z'
}
