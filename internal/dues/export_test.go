package dues

import "time"

// What the external tests (package dues_test, which use the duestest fake
// Stripe; duestest imports dues) need of the package's internals.

// PumpStarted, PumpDue and PumpDirty reach the service's pump: started,
// due and dirty.
func (s *Service) PumpStarted()               { s.pump.started() }
func (s *Service) PumpDue(now time.Time) bool { return s.pump.due(now) }
func (s *Service) PumpDirty() bool {
	s.pump.mu.Lock()
	defer s.pump.mu.Unlock()
	return s.pump.dirty
}

// Deref and NullStr render the nullable columns of ledger rows as the
// reports do.
var (
	Deref   = deref
	NullStr = nullStr
)
