// Package errs is the closed set of error kinds Chapterhouse's domain
// packages return. An error is classified once, where it arises, by wrapping
// it in an *Error; the API maps the kind to an HTTP status once, in one
// place. Errors that carry no kind are internal: their text never reaches a
// client.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the client.
type Kind int

// The kinds. Internal is the zero value: anything unclassified is a fault of
// ours, not of the caller.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Forbidden
	Unauthenticated
)

// String returns the kind's name in lower case.
func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unauthenticated:
		return "unauthenticated"
	default:
		return "internal"
	}
}

// Error is a classified error. Msg is safe to show to the client; Field,
// when set, names the input at fault (a JSON pointer such as "/email", a
// query parameter, or a CSV column); Err is the cause, never shown to the
// client.
type Error struct {
	Kind  Kind
	Field string
	Msg   string
	Err   error
	// Details carries structured problems for the client, such as every bad
	// row of an import. It must be JSON-encodable and hold no secrets.
	Details any
}

// Error returns the message, prefixed by the field when there is one.
func (e *Error) Error() string {
	s := e.Msg
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E returns an *Error of the given kind with a formatted, client-safe message.
func E(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error for the named input field.
func Field(field, format string, args ...any) error {
	return &Error{Kind: Invalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a NotFound error with a formatted message.
func NotFoundf(format string, args ...any) error { return E(NotFound, format, args...) }

// Forbiddenf returns a Forbidden error with a formatted message.
func Forbiddenf(format string, args ...any) error { return E(Forbidden, format, args...) }

// Conflictf returns a Conflict error with a formatted message.
func Conflictf(format string, args ...any) error { return E(Conflict, format, args...) }

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
