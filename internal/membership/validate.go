package membership

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// Statuses a member can have. Good standing (dues) is derived elsewhere;
// status says whether the person is on the roster at all.
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
)

// normEmail trims and lower-cases an email address and checks that it is a
// bare address (no display name). field names the input for the error.
func normEmail(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", errs.Field(field, "is required")
	}
	if len(s) > 254 {
		return "", errs.Field(field, "is longer than 254 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", errs.Field(field, "is not an email address")
	}
	return s, nil
}

// normText trims s and checks its length in characters; required rejects an
// empty result.
func normText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", errs.Field(field, "is required")
	}
	if !utf8.ValidString(s) {
		return "", errs.Field(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", errs.Field(field, "is longer than %d characters", max)
	}
	return s, nil
}

// parseDate reads a YYYY-MM-DD date and refuses dates far in the past or
// after today (a member cannot have joined tomorrow).
func parseDate(field, s string, today time.Time) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, errs.Field(field, "must be a date written YYYY-MM-DD")
	}
	return d, checkJoined(field, d, today)
}

func checkJoined(field string, d, today time.Time) error {
	if d.Year() < 1800 {
		return errs.Field(field, "is before 1800")
	}
	if d.After(today) {
		return errs.Field(field, "is in the future")
	}
	return nil
}
