package blt

import (
	"strings"
	"unicode/utf8"

	"github.com/chapterhouse/chapterhouse/internal/voting/tally"
)

// token is one item of a ballot file with the line it is on.
type token struct {
	text   string
	line   int
	quoted bool
}

// lex splits a ballot file into tokens, dropping comments.
func lex(data []byte) ([]token, error) {
	s := string(data)
	s = strings.TrimPrefix(s, "\uFEFF")
	if !utf8.ValidString(s) {
		line := 1 + strings.Count(s[:firstInvalid(s)], "\n")
		return nil, tally.Invalidf("blt line %d: not valid UTF-8", line)
	}
	var toks []token
	line := 1
	inBlock := false
	blockStart := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if inBlock {
			if strings.HasPrefix(s[i:], "*/") {
				inBlock = false
				i += 2
				continue
			}
			if ch == '\n' {
				line++
			}
			i++
			continue
		}
		switch {
		case ch == '\n':
			line++
			i++
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v':
			i++
		case ch == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			inBlock = true
			blockStart = line
			i += 2
		case ch == '"':
			end := strings.IndexAny(s[i+1:], "\"\n")
			if end < 0 || s[i+1+end] != '"' {
				return nil, tally.Invalidf("blt line %d: quoted string is not closed on its line", line)
			}
			toks = append(toks, token{text: strings.Join(strings.Fields(s[i+1:i+1+end]), " "), line: line, quoted: true})
			if raw := s[i+1 : i+1+end]; raw != "" && isSpace(raw[0]) && len(strings.Fields(raw)) > 0 {
				toks[len(toks)-1].text = " " + toks[len(toks)-1].text
			}
			if raw := s[i+1 : i+1+end]; raw != "" && isSpace(raw[len(raw)-1]) {
				toks[len(toks)-1].text += " "
			}
			i += end + 2
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) && s[j] != '"' {
				j++
			}
			toks = append(toks, token{text: s[i:j], line: line})
			i = j
		}
	}
	if inBlock {
		return nil, tally.Invalidf("blt line %d: comment /* is not closed", blockStart)
	}
	return toks, nil
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\f' || b == '\v'
}

func firstInvalid(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}
