package web

import (
	"net/http"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// field is one form control as the "field" template renders it.
type field struct {
	ID, Name, Label string
	// Type is an input type, or "select", "textarea" or "checkbox".
	Type         string
	Value        string
	Checked      bool
	Required     bool
	Autocomplete string
	Accept       string
	Hint         string
	Error        string
	Options      []option
}

type option struct{ Value, Label string }

// Describedby lists the ids of the hint and error tied to the control.
func (f field) Describedby() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// form is a POST form as the "form" template renders it.
type form struct {
	Action    string
	Submit    string
	Danger    bool
	Multipart bool
	CSRF      string
	Fields    []field
	// Error is a problem with the form as a whole (no field named).
	Error string
}

// HasErrors reports whether the form or any field has an error.
func (f *form) HasErrors() bool {
	if f == nil {
		return false
	}
	if f.Error != "" {
		return true
	}
	for _, x := range f.Fields {
		if x.Error != "" {
			return true
		}
	}
	return false
}

// fill sets each field's value from the submitted form (checkboxes from
// presence).
func (f *form) fill(r *http.Request) {
	for i := range f.Fields {
		x := &f.Fields[i]
		if x.Type == "checkbox" {
			x.Checked = r.PostFormValue(x.Name) != ""
			continue
		}
		if x.Type != "file" {
			x.Value = r.PostFormValue(x.Name)
		}
	}
}

// formStatus attaches err to the form when it is the visitor's to fix
// (Invalid or Conflict): beside the field it names when the form has that
// field, else at the top. It returns the status to show the form with
// (422 or 409), or 0 when err is not a form error and should go to fail.
func formStatus(f *form, err error) int {
	e := errs.As(err)
	if e == nil {
		return 0
	}
	var status int
	switch e.Kind {
	case errs.Invalid:
		status = http.StatusUnprocessableEntity
	case errs.Conflict:
		status = http.StatusConflict
	default:
		return 0
	}
	name := strings.TrimPrefix(e.Field, "/")
	for i := range f.Fields {
		if name != "" && f.Fields[i].Name == name {
			f.Fields[i].Error = sentence(e.Msg)
			return status
		}
	}
	f.Error = sentence(e.Msg)
	return status
}
