package tally

// Result is the outcome of a count with its round-by-round report. Its JSON
// form is the contract of `chapterhouse tally --json`: field names never
// change meaning. Vote figures are decimal strings at the precision of the
// method's arithmetic, never floats.
type Result struct {
	// Method is the method's name as the CLI spells it (plurality, approval,
	// irv, stv-scottish, stv-wigm-prf, stv-meek-prf, schulze, yesno).
	Method string `json:"method"`
	// Seats is the number of seats filled.
	Seats int `json:"seats"`
	// Quota is the final quota or threshold, when the method has one.
	Quota string `json:"quota,omitempty"`
	// Elected lists the winners' names in order of election.
	Elected []string `json:"elected"`
	// Ranking is the full order of finish, for methods that produce one
	// (Schulze); empty otherwise.
	Ranking []string `json:"ranking,omitempty"`
	// Rounds is the round-by-round report.
	Rounds []Round `json:"rounds"`
	// TieBreaks lists every tie the count had to break, with its reason.
	TieBreaks []TieBreak `json:"tiebreaks"`
	// Seed is the seed of any random tie-break, written so the count can be
	// repeated; nil when the count used no randomness.
	Seed *int64 `json:"seed,omitempty"`
	// Notes carries method-specific facts (a threshold's outcome, the
	// Schulze pairwise matrix summary) as plain sentences.
	Notes []string `json:"notes,omitempty"`
}

// Round is one round of a count.
type Round struct {
	// Number counts rounds from 1.
	Number int `json:"round"`
	// Quota is the quota in force in this round when it changes from round to
	// round (Meek); empty otherwise.
	Quota string `json:"quota,omitempty"`
	// Tally maps each continuing or elected candidate's name to their votes
	// at the start of the round's action, as a decimal string.
	Tally map[string]string `json:"tally"`
	// Elected names the candidates elected in this round.
	Elected []string `json:"elected"`
	// Eliminated names the candidates eliminated (defeated) in this round.
	Eliminated []string `json:"eliminated"`
	// Exhausted is the vote that can no longer count for any candidate, as a
	// decimal string, cumulative up to this round.
	Exhausted string `json:"exhausted"`
	// Transfers describes where the votes of the round's elected or
	// eliminated candidates went.
	Transfers []Transfer `json:"transfers,omitempty"`
	// Note is a short human sentence on the round's action.
	Note string `json:"note,omitempty"`
}

// Transfer is a movement of votes from one candidate to others.
type Transfer struct {
	From string `json:"from"`
	// To maps receiving candidates to the votes they received; the key
	// "exhausted" collects votes that went nowhere.
	To map[string]string `json:"to"`
	// Value is the transfer value applied, when the rule has one.
	Value string `json:"value,omitempty"`
}

// TieBreak records a tie the count had to break.
type TieBreak struct {
	Round   int      `json:"round"`
	Between []string `json:"between"`
	Chosen  string   `json:"chosen"`
	// Reason says how the tie was broken: "previous round counts",
	// "candidate order", "random (seed 42)", "lot"...
	Reason string `json:"reason"`
}
