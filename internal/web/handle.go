package web

import (
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// request is one page request as a handler sees it.
type request struct {
	c     *gin.Context
	w     http.ResponseWriter
	r     *http.Request
	p     *auth.Principal // nil only on public pages, when signed out
	flash string          // the flash message to show, if any
}

// handlerFunc handles a page. A returned error is shown by fail; a handler
// that has written a response returns nil.
type handlerFunc func(rq *request) error

// access says whether a page needs a signed-in principal.
type access int

const (
	signedIn access = iota // 401 sign-in page without a principal
	public                 // shown signed out too
)

// handle wraps a page handler: it authenticates the request; for a POST it
// bounds the body to maxBody bytes, parses the form and verifies the CSRF
// token before the handler runs; for a GET it takes the flash message.
func (s *Site) handle(a access, maxBody int64, h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		rq := &request{c: c, w: c.Writer, r: c.Request}
		c.Header("Cache-Control", "no-store")
		p, err := s.d.Auth.Authenticate(c.Request)
		switch {
		case err == nil:
			rq.p = p
		case a == public && errs.KindOf(err) != errs.Internal:
			// A stale session or a refused person sees the public page
			// signed out rather than an error.
		default:
			s.fail(rq, err)
			return
		}
		if c.Request.Method == http.MethodPost {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
			if err := parseForm(c.Request); err != nil {
				s.fail(rq, err)
				return
			}
			if err := auth.VerifyCSRF(c.Request, rq.p); err != nil {
				s.fail(rq, err)
				return
			}
		} else {
			rq.flash = s.takeFlash(c.Writer, c.Request)
		}
		if err := h(rq); err != nil {
			s.fail(rq, err)
		}
	}
}

// statusError is an HTTP-level failure that is not a domain error (a body
// too large, a form that cannot be read). Msg is shown to the visitor.
type statusError struct {
	Status int
	Msg    string
	Err    error
}

func (e *statusError) Error() string { return e.Msg }
func (e *statusError) Unwrap() error { return e.Err }

// parseForm parses a urlencoded or multipart body. Multipart parts beyond
// a few MiB go to temporary files, removed when the request ends.
func parseForm(r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(4 << 20)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return &statusError{Status: http.StatusRequestEntityTooLarge,
			Msg: "What you sent is too large to accept.", Err: err}
	default:
		return &statusError{Status: http.StatusBadRequest, Msg: "The form could not be read; reload the page and try again.", Err: err}
	}
}

// pathID reads a UUID path parameter; a malformed one is a NotFound error,
// since no such thing can exist.
func (rq *request) pathID(name, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(rq.c.Param(name))
	if err != nil {
		return uuid.Nil, errs.NotFoundf("no such %s", what)
	}
	return id, nil
}

// seeOther ends a successful POST: it sets the flash message and redirects
// (303) to target, so reloading the next page does not post again.
func (s *Site) seeOther(rq *request, target, flash string) error {
	if flash != "" {
		http.SetCookie(rq.w, s.flashCookieOf(base64.RawURLEncoding.EncodeToString([]byte(flash)), 60))
	}
	http.Redirect(rq.w, rq.r, target, http.StatusSeeOther)
	return nil
}

// maxFlash bounds a flash message read back from the cookie.
const maxFlash = 300

// takeFlash returns the flash message the previous response set, and
// deletes its cookie so it shows once.
func (s *Site) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(s.flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, s.flashCookieOf("", -1))
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > maxFlash || !utf8.Valid(b) {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (s *Site) flashCookieOf(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.flashCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.d.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}
