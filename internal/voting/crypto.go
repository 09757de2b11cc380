package voting

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/chapterhouse/chapterhouse/internal/errs"
)

// KeySize is the size in bytes of the server's ballot key and of each
// election's data key (AES-256).
const KeySize = 32

// ParseBallotKey decodes the server's ballot key from standard base64 (as
// CHAPTERHOUSE_BALLOT_KEY holds it; URL-safe base64 and missing padding
// are accepted too). It returns an error when the text does not decode to
// exactly KeySize bytes.
func ParseBallotKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("ballot key must be %d bytes, got %d", KeySize, len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("ballot key is not base64")
}

// NewBallotKey returns a fresh random ballot key in the base64 form
// ParseBallotKey reads (for `chapterhouse dev` and tests).
func NewBallotKey() string {
	k := make([]byte, KeySize)
	rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("voting: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain with AES-256-GCM under key, binding aad; the random
// nonce is prepended.
func seal(aead cipher.AEAD, plain, aad []byte) []byte {
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(out)
	return aead.Seal(out, out, plain, aad)
}

// open reverses seal.
func open(aead cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, errors.New("voting: sealed data too short")
	}
	return aead.Open(nil, sealed[:n], sealed[n:], aad)
}

func wrapAAD(election uuid.UUID) []byte {
	return append([]byte("chapterhouse election key v1:"), election[:]...)
}

// wrapKey encrypts an election's data key under the server's ballot key.
func wrapKey(master, dataKey []byte, election uuid.UUID) ([]byte, error) {
	aead, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	return seal(aead, dataKey, wrapAAD(election)), nil
}

// unwrapKey recovers an election's data key. It fails when the ballot key
// is not the one the data key was wrapped with.
func unwrapKey(master, wrapped []byte, election uuid.UUID) ([]byte, error) {
	if len(master) != KeySize {
		return nil, errs.Conflictf("this server has no ballot key (CHAPTERHOUSE_BALLOT_KEY), so it cannot handle ballots")
	}
	aead, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	k, err := open(aead, wrapped, wrapAAD(election))
	if err != nil {
		return nil, fmt.Errorf("voting: unwrap the data key of election %s (was the ballot key changed?): %w", election, err)
	}
	return k, nil
}

func ballotAAD(contest uuid.UUID, lookup []byte) []byte {
	aad := make([]byte, 0, 64+len(lookup))
	aad = append(aad, "chapterhouse ballot v1:"...)
	aad = append(aad, contest[:]...)
	return append(aad, lookup...)
}

// plainBallot is the content of a sealed ballot: the receipt hash that will
// be published with it and the ranking (ballot indexes).
type plainBallot struct {
	receiptHash [32]byte
	ranking     []int16
}

const plainVersion = 1

func (b plainBallot) marshal() []byte {
	out := make([]byte, 0, 1+32+2*len(b.ranking))
	out = append(out, plainVersion)
	out = append(out, b.receiptHash[:]...)
	for _, r := range b.ranking {
		out = binary.BigEndian.AppendUint16(out, uint16(r))
	}
	return out
}

func unmarshalPlain(p []byte) (plainBallot, error) {
	var b plainBallot
	if len(p) < 33 || p[0] != plainVersion || (len(p)-33)%2 != 0 {
		return b, errors.New("voting: malformed sealed ballot")
	}
	copy(b.receiptHash[:], p[1:33])
	b.ranking = make([]int16, (len(p)-33)/2)
	for i := range b.ranking {
		b.ranking[i] = int16(binary.BigEndian.Uint16(p[33+2*i:]))
	}
	return b, nil
}

// Receipts. A receipt is 128 random bits, shown to the voter once as
// base32 in groups of four ("ABCD-EFGH-..."). Its canonical text is the
// upper-case base32 without separators; two different hashes derive from
// it, so the stored lookup cannot be matched with the published hash
// without the receipt itself:
//
//	receipt hash (published) = SHA-256("receipt:" + canonical)
//	lookup (stored while open) = SHA-256("lookup:" + canonical)
var receiptEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

const receiptRawLen = 16

// newReceipt returns a fresh receipt in display form and its canonical form.
func newReceipt() (display, canonical string) {
	raw := make([]byte, receiptRawLen)
	rand.Read(raw)
	canonical = receiptEncoding.EncodeToString(raw)
	var sb strings.Builder
	for i := 0; i < len(canonical); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(canonical[i:min(i+4, len(canonical))])
	}
	return sb.String(), canonical
}

// canonicalReceipt normalises a receipt as a voter may type it (any case,
// dashes or spaces between groups). It returns an Invalid error for
// anything that is not a receipt.
func canonicalReceipt(s string) (string, error) {
	c := strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\t", "").Replace(s))
	raw, err := receiptEncoding.DecodeString(c)
	if err != nil || len(raw) != receiptRawLen {
		return "", errs.Field("/receipt", "is not a receipt code (26 letters and digits, in groups of four)")
	}
	return c, nil
}

// ReceiptHash returns the published hash of a receipt (in any form a voter
// may type it), SHA-256("receipt:" + canonical receipt). It returns an
// Invalid error for text that is not a receipt.
func ReceiptHash(receipt string) ([32]byte, error) {
	c, err := canonicalReceipt(receipt)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256([]byte("receipt:" + c)), nil
}

func receiptLookup(canonical string) []byte {
	h := sha256.Sum256([]byte("lookup:" + canonical))
	return h[:]
}
