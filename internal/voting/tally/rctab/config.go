package rctab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// flexString accepts a JSON string, number or null, as RCTab configs carry
// numbers as strings but hand-edited files sometimes do not.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("want a string or a number")
	}
	*f = flexString(n.String())
	return nil
}

// OutputSettings is the outputSettings section of an RCTab contest config.
type OutputSettings struct {
	ContestName         string `json:"contestName"`
	OutputDirectory     string `json:"outputDirectory"`
	ContestDate         string `json:"contestDate"`
	ContestJurisdiction string `json:"contestJurisdiction"`
	ContestOffice       string `json:"contestOffice"`
	TabulateByPrecinct  bool   `json:"tabulateByPrecinct"`
	TabulateByBatch     bool   `json:"tabulateByBatch"`
	GenerateCdfJSON     bool   `json:"generateCdfJson"`
}

// CvrSource is one entry of cvrFileSources. Index fields are 1-based
// strings as RCTab writes them; empty means not set.
type CvrSource struct {
	FilePath                      string     `json:"filePath"`
	ContestID                     string     `json:"contestId"`
	FirstVoteColumnIndex          flexString `json:"firstVoteColumnIndex"`
	FirstVoteRowIndex             flexString `json:"firstVoteRowIndex"`
	IDColumnIndex                 flexString `json:"idColumnIndex"`
	BatchColumnIndex              flexString `json:"batchColumnIndex"`
	PrecinctColumnIndex           flexString `json:"precinctColumnIndex"`
	OvervoteDelimiter             string     `json:"overvoteDelimiter"`
	Provider                      string     `json:"provider"`
	OvervoteLabel                 string     `json:"overvoteLabel"`
	SkippedRankLabel              string     `json:"skippedRankLabel"`
	UndeclaredWriteInLabel        string     `json:"undeclaredWriteInLabel"`
	TreatBlankAsUndeclaredWriteIn bool       `json:"treatBlankAsUndeclaredWriteIn"`

	// path is FilePath resolved against the config file's directory.
	path string
}

// Candidate is one entry of candidates.
type Candidate struct {
	Name     string   `json:"name"`
	Code     string   `json:"code"`
	Excluded bool     `json:"excluded"`
	Aliases  []string `json:"aliases"`
}

// Rules is the rules section. Numeric settings keep RCTab's string form;
// Config holds their parsed values.
type Rules struct {
	TiebreakMode                          string     `json:"tiebreakMode"`
	OvervoteRule                          string     `json:"overvoteRule"`
	WinnerElectionMode                    string     `json:"winnerElectionMode"`
	RandomSeed                            flexString `json:"randomSeed"`
	NumberOfWinners                       flexString `json:"numberOfWinners"`
	MultiSeatBottomsUpPercentageThreshold flexString `json:"multiSeatBottomsUpPercentageThreshold"`
	DecimalPlacesForVoteArithmetic        flexString `json:"decimalPlacesForVoteArithmetic"`
	MinimumVoteThreshold                  flexString `json:"minimumVoteThreshold"`
	MaxSkippedRanksAllowed                flexString `json:"maxSkippedRanksAllowed"`
	MaxRankingsAllowed                    flexString `json:"maxRankingsAllowed"`
	NonIntegerWinningThreshold            bool       `json:"nonIntegerWinningThreshold"`
	DoesFirstRoundDetermineThreshold      bool       `json:"doesFirstRoundDetermineThreshold"`
	HareQuota                             bool       `json:"hareQuota"`
	BatchElimination                      bool       `json:"batchElimination"`
	ContinueUntilTwoCandidatesRemain      bool       `json:"continueUntilTwoCandidatesRemain"`
	StopTabulationEarlyAfterRound         flexString `json:"stopTabulationEarlyAfterRound"`
	ExhaustOnDuplicateCandidate           bool       `json:"exhaustOnDuplicateCandidate"`
	RulesDescription                      string     `json:"rulesDescription"`
	TreatBlankAsUndeclaredWriteIn         bool       `json:"treatBlankAsUndeclaredWriteIn"`
	// CutoffElimination, with bottomsUpUsingPercentageThreshold, eliminates
	// in one round every candidate below the percentage threshold.
	CutoffElimination bool `json:"cutoffElimination"`
}

// rawConfig is the JSON document.
type rawConfig struct {
	TabulatorVersion string          `json:"tabulatorVersion"`
	OutputSettings   OutputSettings  `json:"outputSettings"`
	CvrFileSources   []CvrSource     `json:"cvrFileSources"`
	Candidates       []Candidate     `json:"candidates"`
	Rules            Rules           `json:"rules"`
	Extra            json.RawMessage `json:"-"`
}

// Tie-break modes (rules.tiebreakMode).
const (
	TieUseCandidateOrder       = "useCandidateOrder"
	TiePreviousRoundsRandom    = "previousRoundCountsThenRandom"
	TieRandom                  = "random"
	TieGeneratePermutation     = "generatePermutation"
	tieStopCountingAndAsk      = "stopCountingAndAsk"
	tiePreviousRoundsThenAsk   = "previousRoundCountsThenAsk"
	OvervoteExhaustImmediately = "exhaustImmediately"
	OvervoteAlwaysSkip         = "alwaysSkipToNextRank"
	OvervoteExhaustIfMultiple  = "exhaustIfMultipleContinuing"
)

// Winner election modes (rules.winnerElectionMode).
const (
	ModeSingleWinnerMajority  = "singleWinnerMajority"
	ModeMultiOnePerRound      = "multiWinnerAllowOnlyOneWinnerPerRound"
	ModeMultiMultiplePerRound = "multiWinnerAllowMultipleWinnersPerRound"
	ModeBottomsUp             = "bottomsUp"
	ModeBottomsUpPercentage   = "bottomsUpUsingPercentageThreshold"
	ModeMultiPassIRV          = "multiPassIrv"
)

// unlimited stands for "unlimited" skipped ranks.
const unlimited = int(^uint(0) >> 1)

// Config is a validated RCTab contest configuration. Load it with
// LoadConfig (or ParseConfig) and count it with Tabulate.
type Config struct {
	// Output, Sources, Candidates and Rules are the sections as read.
	Output     OutputSettings
	Sources    []CvrSource
	Candidates []Candidate
	Rules      Rules

	// Parsed rule values.
	NumberOfWinners    int
	Decimals           int32
	MaxRankings        int // resolved: "max" means the number of declared candidates
	MaxSkippedRanks    int // unlimited for "unlimited"
	MinimumVoteThresh  Dec
	StopAfterRound     int // 0: not set
	RandomSeed         *int64
	BottomsUpThreshold *Dec // fraction (percentage / 100), bottomsUpUsingPercentageThreshold only

	path string
}

// LoadConfig reads an RCTab contest config (`*_config.json`) and validates
// it. CVR file paths are resolved relative to the config file's directory.
// Errors wrap tally.ErrInvalid and name the field at fault; a file that
// cannot be read returns the os error wrapped with the path.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rctab: read config: %w", err)
	}
	return ParseConfig(b, filepath.Dir(path))
}

// ParseConfig parses and validates config JSON; relative CVR paths are
// resolved against baseDir. Errors wrap tally.ErrInvalid.
func ParseConfig(data []byte, baseDir string) (*Config, error) {
	var raw rawConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, tally.Invalidf("config: field %q: %v", te.Field, err)
		}
		return nil, tally.Invalidf("config: not valid JSON: %v", err)
	}
	c := &Config{Output: raw.OutputSettings, Sources: raw.CvrFileSources, Candidates: raw.Candidates, Rules: raw.Rules}
	for i := range c.Sources {
		p := c.Sources[i].FilePath
		if p != "" && !filepath.IsAbs(p) {
			p = filepath.Join(baseDir, p)
		}
		c.Sources[i].path = p
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func parseIntField(v flexString, field string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil {
		return 0, tally.Invalidf("config: %s: %q is not an integer", field, string(v))
	}
	if n < lo || n > hi {
		return 0, tally.Invalidf("config: %s: %d is outside %d..%d", field, n, lo, hi)
	}
	return n, nil
}

func (c *Config) validate() error {
	r := &c.Rules
	var err error
	if len(c.Candidates) == 0 {
		return tally.Invalidf("config: candidates: no candidates declared")
	}
	seen := map[string]string{}
	names := map[string]bool{}
	for i, cand := range c.Candidates {
		name := strings.TrimSpace(cand.Name)
		if name == "" {
			return tally.Invalidf("config: candidates[%d].name: empty", i)
		}
		if names[name] {
			return tally.Invalidf("config: candidates[%d].name: %q declared twice", i, name)
		}
		names[name] = true
		c.Candidates[i].Name = name
		keys := append([]string{name}, cand.Aliases...)
		if cand.Code != "" {
			keys = append(keys, cand.Code)
		}
		for _, k := range keys {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if other, ok := seen[k]; ok && other != name {
				return tally.Invalidf("config: candidates[%d]: name, code or alias %q already used by %q", i, k, other)
			}
			seen[k] = name
		}
		if name == uwiName || name == overvoteName {
			return tally.Invalidf("config: candidates[%d].name: %q is reserved", i, name)
		}
	}
	if len(c.Sources) == 0 {
		return tally.Invalidf("config: cvrFileSources: no CVR sources")
	}
	for i, s := range c.Sources {
		switch s.Provider {
		case "ess", "cdf", "genericCsv":
		default:
			return tally.Invalidf("config: cvrFileSources[%d].provider: %q is not supported (ess, cdf, genericCsv)", i, s.Provider)
		}
		if strings.TrimSpace(s.FilePath) == "" {
			return tally.Invalidf("config: cvrFileSources[%d].filePath: empty", i)
		}
		if s.Provider != "cdf" {
			if _, err := parseIntField(s.FirstVoteColumnIndex, fmt.Sprintf("cvrFileSources[%d].firstVoteColumnIndex", i), 1, 1000); err != nil {
				return err
			}
			if _, err := parseIntField(s.FirstVoteRowIndex, fmt.Sprintf("cvrFileSources[%d].firstVoteRowIndex", i), 1, 100000); err != nil {
				return err
			}
			for _, f := range []struct {
				v    flexString
				name string
			}{{s.IDColumnIndex, "idColumnIndex"}, {s.PrecinctColumnIndex, "precinctColumnIndex"}, {s.BatchColumnIndex, "batchColumnIndex"}} {
				if strings.TrimSpace(string(f.v)) != "" {
					if _, err := parseIntField(f.v, fmt.Sprintf("cvrFileSources[%d].%s", i, f.name), 1, 1000); err != nil {
						return err
					}
				}
			}
		}
		if s.TreatBlankAsUndeclaredWriteIn && s.UndeclaredWriteInLabel == "" {
			return tally.Invalidf("config: cvrFileSources[%d].treatBlankAsUndeclaredWriteIn: needs undeclaredWriteInLabel", i)
		}
		if s.OvervoteLabel != "" && s.OvervoteDelimiter != "" {
			return tally.Invalidf("config: cvrFileSources[%d]: overvoteLabel and overvoteDelimiter cannot both be set", i)
		}
	}
	switch r.TiebreakMode {
	case TieUseCandidateOrder, TiePreviousRoundsRandom, TieRandom, TieGeneratePermutation:
	case tieStopCountingAndAsk, tiePreviousRoundsThenAsk:
		return tally.Invalidf("config: rules.tiebreakMode: %q needs an operator and is not supported", r.TiebreakMode)
	default:
		return tally.Invalidf("config: rules.tiebreakMode: unknown mode %q", r.TiebreakMode)
	}
	switch r.OvervoteRule {
	case OvervoteExhaustImmediately, OvervoteAlwaysSkip, OvervoteExhaustIfMultiple:
	default:
		return tally.Invalidf("config: rules.overvoteRule: unknown rule %q", r.OvervoteRule)
	}
	if r.OvervoteRule == OvervoteExhaustIfMultiple {
		for i, s := range c.Sources {
			if s.OvervoteLabel != "" {
				return tally.Invalidf("config: cvrFileSources[%d].overvoteLabel: cannot be used with overvoteRule exhaustIfMultipleContinuing", i)
			}
		}
	}
	switch r.WinnerElectionMode {
	case ModeSingleWinnerMajority, ModeMultiOnePerRound, ModeMultiMultiplePerRound, ModeBottomsUp, ModeBottomsUpPercentage, ModeMultiPassIRV:
	default:
		return tally.Invalidf("config: rules.winnerElectionMode: unknown mode %q", r.WinnerElectionMode)
	}
	if c.NumberOfWinners, err = parseIntField(r.NumberOfWinners, "rules.numberOfWinners", 0, 10000); err != nil {
		return err
	}
	if r.WinnerElectionMode == ModeBottomsUpPercentage {
		pct, ok := parseDec(string(r.MultiSeatBottomsUpPercentageThreshold))
		if !ok || pct.Sign() <= 0 || pct.Cmp(decInt(100)) > 0 {
			return tally.Invalidf("config: rules.multiSeatBottomsUpPercentageThreshold: %q must be a number in (0, 100]", string(r.MultiSeatBottomsUpPercentageThreshold))
		}
		// new BigDecimal(pct).divide(100): exact, scale grows by 2.
		f := Dec{V: pct.V, S: pct.S + 2}
		c.BottomsUpThreshold = &f
		c.NumberOfWinners = 0
	} else if c.NumberOfWinners < 1 {
		return tally.Invalidf("config: rules.numberOfWinners: must be at least 1 unless winnerElectionMode is bottomsUpUsingPercentageThreshold")
	}
	if c.NumberOfWinners == 1 {
		switch r.WinnerElectionMode {
		case ModeMultiOnePerRound, ModeBottomsUp, ModeMultiPassIRV:
			return tally.Invalidf("config: rules.winnerElectionMode: %q needs numberOfWinners above 1", r.WinnerElectionMode)
		}
		if r.HareQuota {
			return tally.Invalidf("config: rules.hareQuota: only valid with more than one winner")
		}
	}
	d, err := parseIntField(r.DecimalPlacesForVoteArithmetic, "rules.decimalPlacesForVoteArithmetic", 1, maxScale)
	if err != nil {
		return err
	}
	c.Decimals = int32(d)
	mr := strings.TrimSpace(string(r.MaxRankingsAllowed))
	if strings.EqualFold(mr, "max") {
		c.MaxRankings = c.numDeclaredCandidates()
	} else if c.MaxRankings, err = parseIntField(r.MaxRankingsAllowed, "rules.maxRankingsAllowed", 1, 100000); err != nil {
		return err
	}
	ms := strings.TrimSpace(string(r.MaxSkippedRanksAllowed))
	if strings.EqualFold(ms, "unlimited") {
		c.MaxSkippedRanks = unlimited
	} else if c.MaxSkippedRanks, err = parseIntField(r.MaxSkippedRanksAllowed, "rules.maxSkippedRanksAllowed", 0, 100000); err != nil {
		return err
	}
	if mv := strings.TrimSpace(string(r.MinimumVoteThreshold)); mv != "" {
		v, ok := parseDec(mv)
		if !ok || v.Sign() < 0 {
			return tally.Invalidf("config: rules.minimumVoteThreshold: %q is not a non-negative number", mv)
		}
		c.MinimumVoteThresh = v
	}
	if st := strings.TrimSpace(string(r.StopTabulationEarlyAfterRound)); st != "" {
		if c.StopAfterRound, err = parseIntField(r.StopTabulationEarlyAfterRound, "rules.stopTabulationEarlyAfterRound", 1, 100000); err != nil {
			return err
		}
	}
	if seed := strings.TrimSpace(string(r.RandomSeed)); seed != "" {
		n, err := strconv.ParseInt(seed, 10, 64)
		if err != nil {
			return tally.Invalidf("config: rules.randomSeed: %q is not an integer", seed)
		}
		c.RandomSeed = &n
	}
	if c.needsRandomSeed() && c.RandomSeed == nil {
		return tally.Invalidf("config: rules.randomSeed: required by tiebreakMode %q", r.TiebreakMode)
	}
	if r.BatchElimination && c.NumberOfWinners > 1 && r.WinnerElectionMode != ModeMultiPassIRV {
		return tally.Invalidf("config: rules.batchElimination: not allowed in a multi-seat contest")
	}
	return nil
}

func (c *Config) needsRandomSeed() bool {
	switch c.Rules.TiebreakMode {
	case TieRandom, TiePreviousRoundsRandom, TieGeneratePermutation:
		return true
	}
	return false
}

func (c *Config) numDeclaredCandidates() int { return len(c.Candidates) }

// hasUWI reports whether any source declares an undeclared write-in label,
// which makes "Undeclared Write-ins" a (never electable) candidate.
func (c *Config) hasUWI() bool {
	for _, s := range c.Sources {
		if s.UndeclaredWriteInLabel != "" {
			return true
		}
	}
	return false
}
