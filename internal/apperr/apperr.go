// Package apperr defines the errors kimhub shows to its clients.
//
// Every error that crosses the API carries a Code (it becomes
// extensions.code), a message a person can act on, and, for bad input, the
// field at fault. The wrapped cause is for the logs only: it is never sent to
// a client, so it may hold SQL or driver text.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the machine-readable kind of an error, sent as extensions.code.
type Code string

// The codes of DESIGN.md §5.
const (
	Unauthenticated   Code = "UNAUTHENTICATED"
	Forbidden         Code = "FORBIDDEN"
	NotFound          Code = "NOT_FOUND"
	BadUserInput      Code = "BAD_USER_INPUT"
	Conflict          Code = "CONFLICT"
	InvalidTransition Code = "INVALID_TRANSITION"
	RateLimited       Code = "RATE_LIMITED"
	TooLarge          Code = "TOO_LARGE"
	Unavailable       Code = "UNAVAILABLE"
	Internal          Code = "INTERNAL"
)

// Error is an error with a code and a message that is safe to show a client.
type Error struct {
	Code    Code
	Message string // safe for clients
	Field   string // the input field at fault, for BAD_USER_INPUT and CONFLICT
	// Extensions are further client-visible facts (e.g. retryAfter, state).
	Extensions map[string]any
	// Err is the internal cause, logged but never sent.
	Err error
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// With returns a copy of e with an extension set.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extensions = make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		c.Extensions[k] = v
	}
	c.Extensions[key] = value
	return &c
}

// New returns an error with a code and a client-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports that something asked for does not exist (or is not
// visible to the caller, which must look the same).
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Wrap turns an unexpected error into an INTERNAL one; the cause is kept for
// the logs. A nil err gives nil, and an *Error passes through unchanged.
func Wrap(err error, op string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns the code of err: INTERNAL for any error that is not an *Error.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
