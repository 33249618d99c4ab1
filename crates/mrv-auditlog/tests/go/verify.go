// Independent verification of an MRV Desk audit log with Go's golang.org/x/mod/sumdb/note and
// sumdb/tlog (run in GOPATH mode from Debian's golang-golang-x-mod-dev; no network needed).
//
// usage: go run verify.go -url URL -vkey VKEY -origin ORIGIN [-old FILE]... [-receipt R:ENTRY]... [-consistency OLD:PROOF]...
//
// It fetches the latest checkpoint and verifies its signature, reads every hash tile the proofs
// need through tlog.TileHashReader (which checks each tile against the signed root), reads every
// entry from the entry bundles and proves each one's inclusion with tlog.ProveRecord and
// tlog.CheckRecord, proves each -old checkpoint consistent with the latest one with
// tlog.ProveTree and tlog.CheckTree, and checks each receipt (C2SP tlog-proof) and each
// consistency proof file (written by our Rust code) with tlog.CheckRecord and tlog.CheckTree.
package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

var (
	url      = flag.String("url", "", "the log's base URL")
	vkey     = flag.String("vkey", "", "the log's verifier key")
	origin   = flag.String("origin", "", "the log's origin")
	olds     list
	receipts list
	consists list
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "verify.go: "+format+"\n", args...)
	os.Exit(1)
}

func fetch(path string) []byte {
	resp, err := http.Get(*url + "/" + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: status %d %v", path, resp.StatusCode, err)
	}
	return body
}

// openCheckpoint verifies a signed checkpoint and parses its body (C2SP tlog-checkpoint).
func openCheckpoint(msg []byte, verifier note.Verifier) tlog.Tree {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != *origin {
		fail("checkpoint is not for origin %q: %q", *origin, n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("checkpoint root: %v", err)
	}
	var h tlog.Hash
	copy(h[:], root)
	return tlog.Tree{N: size, Hash: h}
}

// tiles reads C2SP tlog-tiles: Go's tile paths carry the height ("tile/8/L/N"), C2SP's do not,
// and Go calls the entry level "data" where C2SP says "entries".
type tiles struct{}

func (tiles) Height() int                     { return 8 }
func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}
func (tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		p := strings.TrimPrefix(t.Path(), "tile/8/")
		p = strings.Replace(p, "data/", "entries/", 1)
		out[i] = fetch("tile/" + p)
	}
	return out, nil
}

func entries(size int64) [][]byte {
	var out [][]byte
	for n := int64(0); int64(len(out)) < size; n++ {
		w := size - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: n, W: int(w)}
		bundle := fetch("tile/" + strings.Replace(strings.TrimPrefix(t.Path(), "tile/8/"), "data/", "entries/", 1))
		for len(bundle) > 0 {
			if len(bundle) < 2 {
				fail("entry bundle %d is cut short", n)
			}
			l := int(bundle[0])<<8 | int(bundle[1])
			if len(bundle) < 2+l {
				fail("entry bundle %d is cut short", n)
			}
			out = append(out, bundle[2:2+l])
			bundle = bundle[2+l:]
		}
	}
	if int64(len(out)) != size {
		fail("read %d entries, the checkpoint says %d", len(out), size)
	}
	return out
}

// receipt parses a C2SP tlog-proof and checks it against entry.
func checkReceipt(text, entry []byte, verifier note.Verifier) {
	parts := bytes.SplitN(text, []byte("\n\n"), 2)
	if len(parts) != 2 {
		fail("receipt: no checkpoint")
	}
	lines := strings.Split(string(parts[0]), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		fail("receipt: bad header %q", lines[0])
	}
	lines = lines[1:]
	if strings.HasPrefix(lines[0], "extra ") {
		lines = lines[1:]
	}
	if !strings.HasPrefix(lines[0], "index ") {
		fail("receipt: no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil {
		fail("receipt index: %v", err)
	}
	var proof tlog.RecordProof
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != tlog.HashSize {
			fail("receipt proof line %q", l)
		}
		var hh tlog.Hash
		copy(hh[:], h)
		proof = append(proof, hh)
	}
	tree := openCheckpoint(parts[1], verifier)
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(entry)); err != nil {
		fail("receipt for index %d: %v", index, err)
	}
}

// consistency files: old checkpoint note path, then the proof, as "old.note:proof.txt" where the
// proof file holds one base64 hash per line and proves old → the latest checkpoint.
func checkConsistency(arg string, verifier note.Verifier, latest tlog.Tree) {
	i := strings.LastIndex(arg, ":")
	oldMsg, err := os.ReadFile(arg[:i])
	if err != nil {
		fail("%v", err)
	}
	proofText, err := os.ReadFile(arg[i+1:])
	if err != nil {
		fail("%v", err)
	}
	old := openCheckpoint(oldMsg, verifier)
	var proof tlog.TreeProof
	for _, l := range strings.Fields(string(proofText)) {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != tlog.HashSize {
			fail("consistency proof line %q", l)
		}
		var hh tlog.Hash
		copy(hh[:], h)
		proof = append(proof, hh)
	}
	if err := tlog.CheckTree(proof, latest.N, latest.Hash, old.N, old.Hash); err != nil {
		fail("our consistency proof %d -> %d: %v", old.N, latest.N, err)
	}
}

func main() {
	flag.Var(&olds, "old", "an earlier signed checkpoint file")
	flag.Var(&receipts, "receipt", "RECEIPT:ENTRY files")
	flag.Var(&consists, "consistency", "OLDCHECKPOINT:PROOF files")
	flag.Parse()
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	latest := openCheckpoint(fetch("checkpoint"), verifier)
	hr := tlog.TileHashReader(latest, tiles{})
	all := entries(latest.N)
	for i, e := range all {
		p, err := tlog.ProveRecord(latest.N, int64(i), hr)
		if err != nil {
			fail("proving entry %d from tiles: %v", i, err)
		}
		if err := tlog.CheckRecord(p, latest.N, latest.Hash, int64(i), tlog.RecordHash(e)); err != nil {
			fail("entry %d: %v", i, err)
		}
	}
	for _, f := range olds {
		msg, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(msg, verifier)
		if old.N > latest.N {
			fail("checkpoint %s (size %d) is newer than the latest (%d): rollback", f, old.N, latest.N)
		}
		p, err := tlog.ProveTree(latest.N, old.N, hr)
		if err != nil {
			fail("proving %d -> %d from tiles: %v", old.N, latest.N, err)
		}
		if err := tlog.CheckTree(p, latest.N, latest.Hash, old.N, old.Hash); err != nil {
			fail("checkpoint %s is not consistent with the latest: %v", f, err)
		}
	}
	for _, r := range receipts {
		i := strings.LastIndex(r, ":")
		text, err1 := os.ReadFile(r[:i])
		entry, err2 := os.ReadFile(r[i+1:])
		if err1 != nil || err2 != nil {
			fail("receipt %s: %v %v", r, err1, err2)
		}
		checkReceipt(text, entry, verifier)
	}
	for _, c := range consists {
		checkConsistency(c, verifier, latest)
	}
	fmt.Printf("ok: checkpoint %s size %d; %d inclusion proofs from tiles, %d checkpoints consistent, %d receipts, %d consistency proofs verified with golang.org/x/mod/sumdb\n",
		*origin, latest.N, len(all), len(olds), len(receipts), len(consists))
}
