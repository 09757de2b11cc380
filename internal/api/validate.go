package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// validator checks every /api request against the OpenAPI description
// before a handler sees it, and answers a violation with a problem naming
// the parameter or the JSON pointer of the body field at fault.
//
// Every request schema sets additionalProperties: false. That matters
// beyond tidiness: encoding/json matches keys case-insensitively, so
// without it a body carrying both "email" and "Email" would be validated on
// one and bound from the other.
type validator struct {
	router  routers.Router
	schemas []openapi3.SchemaValidationOption
}

func newValidator(doc *openapi3.T) (*validator, error) {
	doc.Servers = nil // match on path only, whatever host serves us
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	// kin-openapi checks no uuid format unless told to; without it a
	// malformed id would reach the generated binder, whose error does not
	// name the parameter in a structured way.
	uuidFormat := openapi3.NewRegexpFormatValidator(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	return &validator{router: r, schemas: []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidator("uuid", uuidFormat),
	}}, nil
}

func (v *validator) middleware(c *gin.Context) {
	route, params, err := v.router.FindRoute(c.Request)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			plainProblem(c, http.StatusMethodNotAllowed, "method not allowed on this path", "")
			return
		}
		plainProblem(c, http.StatusNotFound, "no such endpoint", "")
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: c.Request, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			// Authentication is checked by our own middleware, not here.
			AuthenticationFunc:      func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
			MultiError:              false,
			SchemaValidationOptions: v.schemas,
			ExcludeRequestBody:      rawBody(route.Operation),
		},
	}
	if err := openapi3filter.ValidateRequest(c.Request.Context(), in); err != nil {
		field, detail := describe(err)
		plainProblemInvalid(c, detail, field)
		return
	}
	c.Next()
}

// rawBody reports whether op's request body is bytes its handler checks
// itself (operation extension x-raw-body: true), such as a Stripe webhook
// whose signature covers the exact bytes: decoding it here would only
// repeat the handler's work. Its parameters are validated as any other's.
func rawBody(op *openapi3.Operation) bool {
	raw, _ := op.Extensions["x-raw-body"].(bool)
	return raw
}

// describe turns a kin-openapi validation error into the field at fault and
// a readable sentence.
func describe(err error) (field, detail string) {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			ptr := se.JSONPointer()
			// An unknown property is reported at its parent object; name the
			// property itself.
			if name, ok := unsupportedProperty(se.Reason); ok {
				ptr = append(ptr, name)
			}
			if len(ptr) > 0 {
				field = "/" + strings.Join(ptr, "/")
			}
			detail = se.Reason
		}
		if re.Parameter != nil {
			field = re.Parameter.Name
			if detail == "" && re.Err != nil {
				detail = re.Err.Error()
			}
			if detail == "" {
				detail = re.Reason
			}
			return field, "parameter " + re.Parameter.Name + ": " + firstLine(detail)
		}
		if detail == "" {
			detail = re.Reason
			if re.Err != nil {
				detail += ": " + re.Err.Error()
			}
		}
		if field == "" && re.RequestBody != nil {
			field = "body"
		}
		return field, firstLine(detail)
	}
	return "", firstLine(err.Error())
}

// unsupportedProperty extracts X from kin-openapi's `property "X" is
// unsupported`.
func unsupportedProperty(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, `property "`)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, `" is unsupported`)
	return name, ok
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func plainProblemInvalid(c *gin.Context, detail, field string) {
	writeProblemDoc(c, problem{
		Type: problemType(errs.Invalid), Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest,
		Detail: detail, Field: field, Instance: c.Request.URL.Path, RequestID: requestID(c),
	})
}
