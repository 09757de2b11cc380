// Package web is Chapterhouse's server-rendered front end: page handlers
// that each authenticate the request, call the membership domain and render
// an html/template page from the embedded web/ directory.
//
// Every page works without JavaScript: navigation is links, changes are
// plain POST forms carrying the session's CSRF token, and a successful
// change redirects (303) to a page that shows a one-line flash message
// carried in a short-lived cookie. Errors are mapped to pages in one place
// (fail): 401 asks the visitor to sign in, 403 says the action is not
// allowed, 404 says the thing does not exist, a form's 422 or 409 shows the
// form again with each message beside its field, and anything else is a
// generic 500 page showing only the request id.
//
// The package decides nothing about permissions: the domain does, and a
// page shows what the domain returned. Links and forms a principal cannot
// use are hidden as a courtesy, never as a safeguard.
package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/voting"
)

// Authenticator resolves the principal behind a request or returns an
// errs.Unauthenticated error (no or expired credentials), an errs.Forbidden
// error (a person who is not admitted) or an internal error.
// *auth.Authenticator implements it.
type Authenticator interface {
	Authenticate(r *http.Request) (*auth.Principal, error)
}

// Deps is what the front end needs. Members and Auth are required.
type Deps struct {
	Members *membership.Service
	Auth    Authenticator
	// Voting runs elections; nil leaves the election pages out (they
	// answer 404).
	Voting *voting.Service
	// Dues runs dues, standing and the treasurer's books; nil leaves the
	// dues and treasurer pages out (they answer 404) and standing off the
	// member pages. A service without Stripe keys is fine: the pages then
	// say online payments are not configured.
	Dues *dues.Service
	// BaseURL is the site's external origin (https://members.example.org),
	// used for the return addresses given to Stripe Checkout and the
	// customer portal. Empty uses the request's Host over http, which
	// suits tests and local development only.
	BaseURL string
	// Logger receives internal errors (with the request id); nil discards.
	Logger *slog.Logger
	// SecureCookies marks the flash cookie Secure and gives it the __Host-
	// prefix; set it whenever the site is reached over HTTPS.
	SecureCookies bool
}

// AuthHandlers are the login routes the site mounts beside its pages, as
// *auth.Authenticator's LoginHandler, CallbackHandler and LogoutHandler
// return them. A nil handler is not mounted.
type AuthHandlers struct {
	Login    http.Handler // GET /auth/login
	Callback http.Handler // GET /auth/callback
	Logout   http.Handler // POST /auth/logout
}

// Site serves the front end's pages. It holds only immutable state (parsed
// templates, static file hashes) and is safe for concurrent use.
type Site struct {
	d           Deps
	log         *slog.Logger
	tpl         *templates
	flashCookie string
}

// New parses the embedded templates and returns the Site. It returns an
// error when Members or Auth is missing or a template does not parse (a
// programming error, caught by the package's tests).
func New(d Deps) (*Site, error) {
	if d.Members == nil || d.Auth == nil {
		return nil, errors.New("web: Members and Auth are required")
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tpl, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	s := &Site{d: d, log: log, tpl: tpl, flashCookie: "chapterhouse_flash"}
	if d.SecureCookies {
		s.flashCookie = "__Host-" + s.flashCookie
	}
	return s, nil
}

// Body limits of POST requests: forms are small; a roster file of
// membership.MaxImportRows rows fits in the import limit; a bank's export
// of deposits is far smaller.
const (
	maxFormBytes     = 1 << 20
	maxImportBytes   = 128 << 20
	maxDepositsBytes = 16 << 20 // a bank export of deposits
)

// Mount registers every route of the front end, and the login routes in a,
// on r. All of them get the security headers; pages also get
// Cache-Control: no-store.
func (s *Site) Mount(r gin.IRouter, a AuthHandlers) {
	g := r.Group("/", securityHeaders)

	g.GET("/static/*path", s.static)

	if a.Login != nil {
		g.GET("/auth/login", gin.WrapH(a.Login))
	}
	if a.Callback != nil {
		g.GET("/auth/callback", gin.WrapH(a.Callback))
	}
	if a.Logout != nil {
		g.POST("/auth/logout", gin.WrapH(a.Logout))
	}

	g.GET("/", s.handle(public, 0, s.home))
	g.GET("/me", s.handle(signedIn, 0, s.me))

	g.GET("/chapters", s.handle(signedIn, 0, s.chapters))
	g.POST("/chapters", s.handle(signedIn, maxFormBytes, s.charterChapter))
	g.POST("/chapters/:id/rename", s.handle(signedIn, maxFormBytes, s.renameChapter))
	g.POST("/chapters/:id/dissolve", s.handle(signedIn, maxFormBytes, s.dissolveChapter))

	g.GET("/chapters/:id/officers", s.handle(signedIn, 0, s.officers))
	g.POST("/chapters/:id/officers", s.handle(signedIn, maxFormBytes, s.grantRole))
	g.POST("/chapters/:id/officers/:aid/end", s.handle(signedIn, maxFormBytes, s.endRole))
	g.POST("/chapters/:id/officers/:aid/remove", s.handle(signedIn, maxFormBytes, s.removeRole))
	g.GET("/chapters/:id/roster", s.handle(signedIn, 0, s.roster))
	g.GET("/chapters/:id/roster/export.csv", s.handle(signedIn, 0, s.exportRoster))
	g.POST("/chapters/:id/roster/import", s.handle(signedIn, maxImportBytes, s.importRoster))

	g.GET("/members/:id", s.handle(signedIn, 0, s.member))
	g.POST("/members/:id", s.handle(signedIn, maxFormBytes, s.updateMember))
	g.POST("/members/:id/deactivate", s.handle(signedIn, maxFormBytes, s.deactivateMember))

	g.GET("/me/dues", s.handle(signedIn, 0, s.myDues))
	g.POST("/me/dues/checkout", s.handle(signedIn, maxFormBytes, s.duesCheckout))
	g.POST("/me/dues/portal", s.handle(signedIn, maxFormBytes, s.duesPortal))
	g.POST("/members/:id/waivers", s.handle(signedIn, maxFormBytes, s.grantWaiver))
	g.POST("/members/:id/waivers/:wid/revoke", s.handle(signedIn, maxFormBytes, s.revokeWaiver))

	g.GET("/treasurer", s.handle(signedIn, 0, s.treasurer))
	g.GET("/treasurer/income", s.handle(signedIn, 0, s.incomeReport))
	g.GET("/treasurer/income.csv", s.handle(signedIn, 0, s.incomeCSV))
	g.GET("/treasurer/lapses", s.handle(signedIn, 0, s.lapsesReport))
	g.GET("/treasurer/lapses.csv", s.handle(signedIn, 0, s.lapsesCSV))
	g.GET("/treasurer/refunds", s.handle(signedIn, 0, s.refundsReport))
	g.GET("/treasurer/refunds.csv", s.handle(signedIn, 0, s.refundsCSV))
	g.GET("/treasurer/share", s.handle(signedIn, 0, s.shareReport))
	g.GET("/treasurer/share.csv", s.handle(signedIn, 0, s.shareCSV))
	g.GET("/treasurer/payouts", s.handle(signedIn, 0, s.payoutsReport))
	g.GET("/treasurer/payouts.csv", s.handle(signedIn, 0, s.payoutsCSV))
	g.GET("/treasurer/payouts/:id", s.handle(signedIn, 0, s.payoutDetail))
	g.GET("/treasurer/payouts/:id/export.csv", s.handle(signedIn, 0, s.payoutDetailCSV))
	g.GET("/treasurer/deposits", s.handle(signedIn, 0, s.deposits))
	g.POST("/treasurer/deposits", s.handle(signedIn, maxFormBytes, s.addDeposit))
	g.POST("/treasurer/deposits/upload", s.handle(signedIn, maxDepositsBytes, s.uploadDeposits))
	g.GET("/treasurer/events", s.handle(signedIn, 0, s.events))
	g.POST("/treasurer/events/:id/retry", s.handle(signedIn, maxFormBytes, s.retryEvent))

	g.GET("/elections", s.handle(signedIn, 0, s.elections))
	g.POST("/elections", s.handle(signedIn, maxFormBytes, s.createElection))
	g.GET("/elections/:id", s.handle(signedIn, 0, s.election))
	g.GET("/elections/:id/manage", s.handle(signedIn, 0, s.manage))
	g.GET("/elections/:id/roll", s.handle(signedIn, 0, s.roll))
	g.POST("/elections/:id/transition", s.handle(signedIn, maxFormBytes, s.transition))
	g.POST("/elections/:id/officials", s.handle(signedIn, maxFormBytes, s.setOfficials))
	g.POST("/elections/:id/contests", s.handle(signedIn, maxFormBytes, s.addContest))
	g.POST("/elections/:id/contests/:cid/remove", s.handle(signedIn, maxFormBytes, s.removeContest))
	g.POST("/elections/:id/contests/:cid/candidates", s.handle(signedIn, maxFormBytes, s.addCandidate))
	g.POST("/elections/:id/contests/:cid/candidates/:kid/remove", s.handle(signedIn, maxFormBytes, s.removeCandidate))
	g.GET("/elections/:id/contests/:cid/ballot", s.handle(signedIn, 0, s.ballot))
	g.POST("/elections/:id/contests/:cid/ballot", s.handle(signedIn, maxFormBytes, s.changeBallot))
	g.POST("/elections/:id/contests/:cid/review", s.handle(signedIn, maxFormBytes, s.reviewBallot))
	g.POST("/elections/:id/contests/:cid/cast", s.handle(signedIn, maxFormBytes, s.castBallot))
	g.GET("/elections/:id/contests/:cid/receipt", s.handle(signedIn, 0, s.receiptCheck))
	g.POST("/elections/:id/contests/:cid/receipt", s.handle(signedIn, maxFormBytes, s.checkReceipt))
	g.GET("/elections/:id/contests/:cid/results", s.handle(signedIn, 0, s.results))
	g.GET("/elections/:id/contests/:cid/ballots.blt", s.handle(signedIn, 0, s.downloadBallots("blt")))
	g.GET("/elections/:id/contests/:cid/ballots.csv", s.handle(signedIn, 0, s.downloadBallots("csv")))
}

// contentSecurityPolicy allows only this origin's own styles, images and
// (future) scripts, no plugins, and no framing. form-action is left out on
// purpose: the sign-out form's response redirects to the identity
// provider's end-session endpoint, which form-action 'self' would block.
const contentSecurityPolicy = "default-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every front-end response carries.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Next()
}
