package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindOfFollowsWrapping(t *testing.T) {
	base := Field("/email", "must be an email address")
	wrapped := fmt.Errorf("create member: %w", base)
	if got := KindOf(wrapped); got != Invalid {
		t.Fatalf("KindOf = %v, want invalid", got)
	}
	if e := As(wrapped); e == nil || e.Field != "/email" {
		t.Fatalf("As lost the field: %#v", e)
	}
	if got := KindOf(errors.New("boom")); got != Internal {
		t.Fatalf("unclassified error kind = %v, want internal", got)
	}
	if got := base.Error(); got != "/email: must be an email address" {
		t.Fatalf("Error() = %q", got)
	}
}
