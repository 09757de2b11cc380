// Package api is Chapterhouse's HTTP API: the gin engine, every route in one
// function, request validation against openapi/openapi.yaml, thin handlers
// implementing the generated strict server interface, and the one mapping
// from error kinds to problem+json responses.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chapterhouse/chapterhouse/internal/api/apigen"
	"github.com/chapterhouse/chapterhouse/internal/auth"
	"github.com/chapterhouse/chapterhouse/internal/dues"
	"github.com/chapterhouse/chapterhouse/internal/membership"
	"github.com/chapterhouse/chapterhouse/internal/voting"
	"github.com/chapterhouse/chapterhouse/openapi"
)

// Authenticator resolves the principal making a request, or returns an
// errs.Unauthenticated error. *auth.Authenticator implements it.
type Authenticator interface {
	Authenticate(r *http.Request) (*auth.Principal, error)
}

// Deps is what the API needs. All fields are required except Web, which
// mounts the server-rendered front end and the login routes when set.
type Deps struct {
	Pool    *pgxpool.Pool
	Members *membership.Service
	// Voting runs elections, ballots and results.
	Voting *voting.Service
	// Dues is the dues service: plans, Stripe, ledger, standing, reports.
	Dues   *dues.Service
	Auth   Authenticator
	Logger *slog.Logger
	// Registry receives the HTTP metrics; /metrics serves Gatherer.
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	// Mount, when set, adds routes that live outside the API (login, web
	// pages) to the engine; it is called last in routes.
	Mount func(r *gin.Engine)
	// Draining, when set and reporting true, makes /readyz answer 503
	// without asking the database: the process is shutting down.
	Draining func() bool
}

// MaxBodyBytes bounds any request body; a roster CSV of 500,000 rows fits.
const MaxBodyBytes = 128 << 20

// New returns the HTTP handler serving the API, /openapi.yaml, /docs,
// /metrics and whatever d.Mount adds. It fails only if the embedded spec
// does not load.
func New(d Deps) (http.Handler, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		return nil, fmt.Errorf("api: load openapi spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: openapi spec is invalid: %w", err)
	}
	v, err := newValidator(doc)
	if err != nil {
		return nil, fmt.Errorf("api: build validator: %w", err)
	}
	docsPage, err := renderDocs(doc)
	if err != nil {
		return nil, fmt.Errorf("api: render docs: %w", err)
	}
	m := newMetrics(d.Registry)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	r.Use(requestIDs, m.middleware, accessLog(d.Logger), recovery(d.Logger))
	s := &server{d: d, public: publicOperations(doc)}
	routes(r, s, v, docsPage, promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{}))
	return r, nil
}

// routes registers every route of the service.
func routes(r *gin.Engine, s *server, v *validator, docsPage []byte, metrics http.Handler) {
	r.NoRoute(func(c *gin.Context) { plainProblem(c, http.StatusNotFound, "no such page or endpoint", "") })
	r.NoMethod(func(c *gin.Context) {
		plainProblem(c, http.StatusMethodNotAllowed, "method not allowed on this path", "")
	})
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openapi.Spec) })
	r.GET("/docs", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage) })
	r.GET("/metrics", gin.WrapH(metrics))

	strict := apigen.NewStrictHandlerWithOptions(s, nil, apigen.StrictGinServerOptions{
		RequestErrorHandlerFunc: func(c *gin.Context, err error) {
			plainProblemInvalid(c, "the request body cannot be read: "+firstLine(err.Error()), "body")
		},
		HandlerErrorFunc:         func(c *gin.Context, err error) { writeProblem(c, s.d.Logger, err) },
		ResponseErrorHandlerFunc: func(c *gin.Context, err error) { writeProblem(c, s.d.Logger, err) },
	})
	// The group's middleware runs before the generated wrappers bind
	// parameters, so the validator is first to see a malformed request and
	// names the parameter at fault.
	api := r.Group("", limitBody, v.middleware, s.authenticate)
	apigen.RegisterHandlersWithOptions(api, strict, apigen.GinServerOptions{
		ErrorHandler: func(c *gin.Context, err error, status int) {
			plainProblemInvalid(c, firstLine(err.Error()), "")
		},
	})
	if s.d.Mount != nil {
		s.d.Mount(r)
	}
}

// server implements apigen.StrictServerInterface.
type server struct {
	d Deps
	// public holds "METHOD /gin/route" of the operations whose spec says
	// `security: []`: they need no principal.
	public map[string]bool
}

// publicOperations lists the operations of doc that declare an empty
// security requirement, keyed as gin names their route.
func publicOperations(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		route := strings.NewReplacer("{", ":", "}", "").Replace(path)
		for method, op := range item.Operations() {
			if op.Security != nil && len(*op.Security) == 0 {
				out[method+" "+route] = true
			}
		}
	}
	return out
}

type ctxKey int

const (
	principalKey ctxKey = iota
	requestIDKey
)

// authenticate resolves the principal of every /api request and refuses
// the request with 401 when there is none. Operations whose spec declares
// `security: []` (probes, the Stripe webhook) need no principal.
func (s *server) authenticate(c *gin.Context) {
	if s.public[c.Request.Method+" "+c.FullPath()] {
		c.Next()
		return
	}
	p, err := s.d.Auth.Authenticate(c.Request)
	if err != nil {
		writeProblem(c, s.d.Logger, err)
		return
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), principalKey, p))
	c.Next()
}

// principal returns the request's principal; nil outside authenticated
// routes.
func principal(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey).(*auth.Principal)
	return p
}

func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	}
	c.Next()
}

// requestIDs gives each request an id, taken from a well-formed incoming
// X-Request-ID or made up, and echoes it in the response.
func requestIDs(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if len(id) == 0 || len(id) > 64 || !printable(id) {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Header("X-Request-ID", id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey, id))
	c.Next()
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string {
	id, _ := c.Request.Context().Value(requestIDKey).(string)
	return id
}

// accessLog logs one line per request: no query strings (they may hold
// search text or emails), no headers (they hold tokens).
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "(no route)"
		}
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "http",
			slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
			slog.String("route", route), slog.Int("status", c.Writer.Status()),
			slog.Duration("took", time.Since(start)))
	}
}

// recovery turns a panic into a logged 500 problem.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				writeProblem(c, log, fmt.Errorf("panic: %v", v))
			}
		}()
		c.Next()
	}
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chapterhouse_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chapterhouse_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *metrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
}
