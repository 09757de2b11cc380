package web

import (
	"errors"
	"net/http"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// errorPage is the data of error.html.
type errorPage struct {
	Heading string
	Message string
	SignIn  bool
}

// fail is the one place an error becomes a page. Classified errors show
// their client-safe message; anything else is logged with the request id
// and shown as a generic 500 that quotes only the id.
func (s *Site) fail(rq *request, err error) {
	status, title, page := classifyError(err)
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(rq.r.Context(), "web: request failed", "request_id", rq.w.Header().Get("X-Request-ID"),
			"method", rq.r.Method, "route", rq.c.FullPath(), "err", err)
	}
	if status == http.StatusUnauthorized {
		rq.w.Header().Set("WWW-Authenticate", `Bearer realm="chapterhouse"`)
	}
	if rerr := s.render(rq, status, "error", title, page); rerr != nil {
		s.log.ErrorContext(rq.r.Context(), "web: render error page", "err", rerr)
		http.Error(rq.w, "Something went wrong on our side.", http.StatusInternalServerError)
	}
}

// classifyError maps an error to a status, a page title and the page.
func classifyError(err error) (int, string, errorPage) {
	var se *statusError
	if errors.As(err, &se) {
		return se.Status, http.StatusText(se.Status), errorPage{Heading: http.StatusText(se.Status), Message: se.Msg}
	}
	e := errs.As(err)
	if e == nil || e.Kind == errs.Internal {
		return http.StatusInternalServerError, "Something went wrong", errorPage{
			Heading: "Something went wrong",
			Message: "Something went wrong on our side and the page could not be shown. Please try again in a moment.",
		}
	}
	switch e.Kind {
	case errs.Unauthenticated:
		return http.StatusUnauthorized, "Please sign in", errorPage{
			Heading: "Please sign in",
			Message: "You need to sign in to see this page. If you were signed in, your session has ended.",
			SignIn:  true,
		}
	case errs.Forbidden:
		return http.StatusForbidden, "Not allowed", errorPage{Heading: "Not allowed", Message: sentence(e.Msg)}
	case errs.NotFound:
		return http.StatusNotFound, "Not found", errorPage{Heading: "Not found", Message: sentence(e.Msg)}
	case errs.Conflict:
		return http.StatusConflict, "Not possible", errorPage{Heading: "That is not possible right now", Message: sentence(e.Msg)}
	default: // errs.Invalid outside a form
		msg := e.Msg
		if e.Field != "" {
			msg = e.Field + ": " + msg
		}
		return http.StatusUnprocessableEntity, "Not accepted", errorPage{Heading: "That was not accepted", Message: sentence(msg)}
	}
}

// sentence capitalises the first letter of a domain message and ends it
// with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	if last := b[len(b)-1]; last != '.' && last != '!' && last != '?' {
		b = append(b, '.')
	}
	return string(b)
}
