package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// statusClientClosed is nginx's conventional status for a request the
// client abandoned; it appears only in logs and metrics.
const statusClientClosed = 499

// problem is an RFC 9457 problem document.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Errors    any    `json:"errors,omitempty"`
}

// statusOf is the one place an error kind becomes an HTTP status.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}

// problemTypes gives each kind a stable type URI clients can switch on.
func problemType(k errs.Kind) string {
	switch k {
	case errs.Invalid:
		return "/problems/invalid"
	case errs.NotFound:
		return "/problems/not-found"
	case errs.Conflict:
		return "/problems/conflict"
	case errs.Forbidden:
		return "/problems/forbidden"
	case errs.Unauthenticated:
		return "/problems/unauthenticated"
	default:
		return "/problems/internal"
	}
}

// writeProblem writes err as problem+json. Classified errors show their
// client-safe message, field and details; anything else is logged with the
// request id and shown only as an internal error.
func writeProblem(c *gin.Context, log *slog.Logger, err error) {
	// A client that went away is not our fault: no error log, and the
	// (unread) response says so.
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		plainProblem(c, statusClientClosed, "the client closed the request", "")
		return
	}
	kind := errs.KindOf(err)
	status := statusOf(kind)
	p := problem{
		Type:      problemType(kind),
		Title:     http.StatusText(status),
		Status:    status,
		Instance:  c.Request.URL.Path,
		RequestID: requestID(c),
	}
	if e := errs.As(err); e != nil && kind != errs.Internal {
		p.Detail, p.Field, p.Errors = e.Msg, e.Field, e.Details
	} else {
		p.Detail = "something went wrong on our side; quote the request id if you report it"
		log.ErrorContext(c.Request.Context(), "request failed", "request_id", p.RequestID,
			"method", c.Request.Method, "route", c.FullPath(), "err", err)
	}
	if kind == errs.Unauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="chapterhouse"`)
	}
	writeProblemDoc(c, p)
}

func writeProblemDoc(c *gin.Context, p problem) {
	body, _ := json.Marshal(p)
	c.Abort()
	c.Data(p.Status, "application/problem+json", body)
}

// plainProblem writes a problem for an HTTP-level condition (no route, wrong
// method, body too large) that is not a domain error.
func plainProblem(c *gin.Context, status int, detail, field string) {
	title := http.StatusText(status)
	if status == statusClientClosed {
		title = "Client Closed Request"
	}
	writeProblemDoc(c, problem{
		Type: "about:blank", Title: title, Status: status, Detail: detail,
		Field: field, Instance: c.Request.URL.Path, RequestID: requestID(c),
	})
}
