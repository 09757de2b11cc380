package rctab

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

type cdfReport struct {
	CVR      []cdfCVR `json:"CVR"`
	Election []struct {
		Candidate []struct {
			ID   string `json:"@id"`
			Name string `json:"Name"`
			Code string `json:"Code"`
		} `json:"Candidate"`
		Contest []struct {
			ID               string `json:"@id"`
			Name             string `json:"Name"`
			ContestSelection []struct {
				ID           string   `json:"@id"`
				CandidateIDs []string `json:"CandidateIds"`
				Code         string   `json:"Code"`
			} `json:"ContestSelection"`
		} `json:"Contest"`
	} `json:"Election"`
}

type cdfCVR struct {
	BallotPrePrintedID string `json:"BallotPrePrintedId"`
	UniqueID           string `json:"UniqueId"`
	CurrentSnapshotID  string `json:"CurrentSnapshotId"`
	BallotStyleUnitID  string `json:"BallotStyleUnitId"`
	CVRSnapshot        []struct {
		ID         string `json:"@id"`
		CVRContest []struct {
			ContestID           string `json:"ContestId"`
			CVRContestSelection []struct {
				ContestSelectionID string `json:"ContestSelectionId"`
				SelectionPosition  []struct {
					Rank          *int   `json:"Rank"`
					HasIndication string `json:"HasIndication"`
					IsAllocable   string `json:"IsAllocable"`
				} `json:"SelectionPosition"`
			} `json:"CVRContestSelection"`
		} `json:"CVRContest"`
	} `json:"CVRSnapshot"`
}

// readCDF reads a NIST SP 1500-103 cast vote record report in JSON. The
// contest is the one whose Name or @id equals the source's contestId (or the
// only contest); each selection is mapped through ContestSelection and
// Candidate to a candidate name, then to the config's candidate by name,
// code or alias.
func readCDF(data []byte, src *CvrSource, res *resolver) ([]ballot, error) {
	var rep cdfReport
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	if err := dec.Decode(&rep); err != nil {
		return nil, tally.Invalidf("not a CDF JSON report: %v", err)
	}
	candName := map[string]string{}
	selToName := map[string]string{}
	contestIDs := map[string]bool{}
	var nContests int
	for _, el := range rep.Election {
		for _, c := range el.Candidate {
			candName[c.ID] = strings.TrimSpace(c.Name)
		}
		for _, ct := range el.Contest {
			nContests++
			match := src.ContestID == "" || ct.Name == src.ContestID || ct.ID == src.ContestID
			if !match {
				continue
			}
			contestIDs[ct.ID] = true
			for _, sel := range ct.ContestSelection {
				name := ""
				if len(sel.CandidateIDs) > 0 {
					name = candName[sel.CandidateIDs[0]]
				}
				if name == "" {
					name = strings.TrimSpace(sel.Code)
				}
				selToName[sel.ID] = name
			}
		}
	}
	if len(contestIDs) == 0 {
		if nContests == 1 {
			// a single contest whose name differs from contestId: use it
			for _, el := range rep.Election {
				for _, ct := range el.Contest {
					contestIDs[ct.ID] = true
					for _, sel := range ct.ContestSelection {
						name := ""
						if len(sel.CandidateIDs) > 0 {
							name = candName[sel.CandidateIDs[0]]
						}
						selToName[sel.ID] = name
					}
				}
			}
		} else {
			return nil, tally.Invalidf("contest %q not found in Election.Contest", src.ContestID)
		}
	}
	var out []ballot
	for i, cv := range rep.CVR {
		b := ballot{weight: 1, id: cv.BallotPrePrintedID, precinct: cv.BallotStyleUnitID}
		if b.id == "" {
			b.id = cv.UniqueID
		}
		if b.id == "" {
			b.id = src.FilePath + "-" + itoa(i+1)
		}
		snap := -1
		for j, s := range cv.CVRSnapshot {
			if s.ID == cv.CurrentSnapshotID || (cv.CurrentSnapshotID == "" && snap < 0) {
				snap = j
			}
		}
		if snap < 0 {
			return nil, tally.Invalidf("CVR %d (%s): no snapshot matches CurrentSnapshotId %q", i+1, b.id, cv.CurrentSnapshotID)
		}
		for _, ct := range cv.CVRSnapshot[snap].CVRContest {
			if !contestIDs[ct.ContestID] {
				continue
			}
			for _, sel := range ct.CVRContestSelection {
				name, ok := selToName[sel.ContestSelectionID]
				if !ok {
					return nil, tally.Invalidf("CVR %d (%s): unknown ContestSelectionId %q", i+1, b.id, sel.ContestSelectionID)
				}
				id, ok := res.lookup(name, src)
				if !ok {
					return nil, tally.Invalidf("CVR %d (%s): unrecognized candidate %q", i+1, b.id, name)
				}
				for _, pos := range sel.SelectionPosition {
					if pos.HasIndication == "no" || pos.Rank == nil {
						continue
					}
					if *pos.Rank < 1 || *pos.Rank > 100000 {
						return nil, tally.Invalidf("CVR %d (%s): rank %d out of range", i+1, b.id, *pos.Rank)
					}
					b.ranks = addRank(b.ranks, *pos.Rank, id)
				}
			}
		}
		out = append(out, b)
	}
	return out, nil
}
