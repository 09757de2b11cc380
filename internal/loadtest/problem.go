package loadtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// StatusError is a response with an unexpected status.
type StatusError struct {
	Status int
	// Detail is the problem's title and detail (RFC 9457), or the start of
	// the body when it is not a problem.
	Detail string
}

// Error is "HTTP <status>: <detail>".
func (e *StatusError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Detail)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// ResponseError reads a failed response's problem (at most 64 KiB of its
// body) into a *StatusError. It does not close the body.
func ResponseError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	detail := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &p) == nil && (p.Title != "" || p.Detail != "") {
		detail = strings.TrimSpace(p.Title + ": " + p.Detail)
	}
	if len(detail) > 300 {
		detail = detail[:300] + "..."
	}
	return &StatusError{Status: resp.StatusCode, Detail: detail}
}

// Kinded is an error that names its own kind for the report (ErrorKind
// uses it first).
type Kinded interface {
	error
	Kind() string
}

// ErrorKind groups an error for the report: a Kinded error's own kind,
// "HTTP <status>" for a *StatusError, "timeout", "malformed response" or
// "connection error".
func ErrorKind(err error) string {
	var k Kinded
	var se *StatusError
	var ne net.Error
	switch {
	case errors.As(err, &k):
		return k.Kind()
	case errors.As(err, &se):
		return (&StatusError{Status: se.Status}).Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, new(*json.SyntaxError)), errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed response"
	default:
		return "connection error"
	}
}
