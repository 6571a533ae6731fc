// Package lines is what the interop client programs share: the records they produce, the line
// format in which they report what they consumed, and the end of a group member's run.
//
// A consumed record is one line "partition offset key value"; lines starting with "# " carry
// events such as a group member's assignment ("# assigned 0 2"). Keys and values never contain
// spaces, so the tests split each line on single spaces.
package lines

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

// Key and Value are the contents of the i-th produced record.
func Key(i int) string   { return fmt.Sprintf("key-%d", i) }
func Value(i int) string { return fmt.Sprintf("value-%d", i) }

// Printer writes whole lines to stdout from any goroutine.
type Printer struct{ mu sync.Mutex }

// Record reports one consumed record; a nil key prints as "-".
func (p *Printer) Record(partition int32, offset int64, key, value []byte) {
	k := "-"
	if key != nil {
		k = string(key)
	}
	p.line(fmt.Sprintf("%d %d %s %s", partition, offset, k, value))
}

// Event reports something other than a record, e.g. Event("assigned", 0, 2).
func (p *Printer) Event(name string, partitions ...int32) {
	sorted := append([]int32(nil), partitions...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	parts := []string{"#", name}
	for _, q := range sorted {
		parts = append(parts, fmt.Sprint(q))
	}
	p.line(strings.Join(parts, " "))
}

func (p *Printer) line(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Unbuffered: a test reads the lines while the program runs.
	fmt.Fprintln(os.Stdout, s)
}

// UntilStdinCloses returns a context that is cancelled when standard input reaches EOF: the
// tests end a group member by closing its stdin, so that it commits and leaves the group as on
// a clean shutdown.
func UntilStdinCloses(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		cancel()
	}()
	return ctx
}

// Fail prints "Error: ..." to stderr and exits 1.
func Fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", args...)
	os.Exit(1)
}
