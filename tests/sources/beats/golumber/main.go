// golumber sends numbered, Filebeat-shaped events to a Lumberjack v2 server with the client library
// Filebeat uses (github.com/elastic/go-lumber client/v2), the way Filebeat does: windows of -window
// events, -pipelining windows in flight per connection, zlib at -compress, and on any error or
// timeout a reconnect that resends everything not acknowledged yet. It exits 0 once every event
// is acknowledged, and prints one JSON summary line on stdout.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v2 "github.com/elastic/go-lumber/client/v2"
)

type summary struct {
	Events     int      `json:"events"`
	Acked      int64    `json:"acked"`
	Sent       int64    `json:"sent"`
	Resent     int64    `json:"resent"`
	Reconnects int64    `json:"reconnects"`
	Errors     []string `json:"errors"`
	Seconds    float64  `json:"seconds"`
	Unfinished int      `json:"unfinished_connections"`
}

var (
	addr       = flag.String("addr", "127.0.0.1:5044", "server address")
	total      = flag.Int("n", 1000, "events in all")
	first      = flag.Int("first", 0, "number of the first event")
	conns      = flag.Int("conns", 1, "connections (each sends its share of the events)")
	window     = flag.Int("window", 100, "events per window")
	pipelining = flag.Int("pipelining", 2, "windows in flight per connection (0: the sync client)")
	compress   = flag.Int("compress", 3, "zlib level, 0 for none")
	timeout    = flag.Duration("timeout", 30*time.Second, "the client's read/write timeout")
	deadline   = flag.Duration("deadline", 120*time.Second, "give up after this long")
	size       = flag.Int("size", 0, "pad each message to this many bytes")
	caFile     = flag.String("tls-ca", "", "PEM file of the CA that signed the server (enables TLS)")
	certFile   = flag.String("tls-cert", "", "client certificate PEM")
	keyFile    = flag.String("tls-key", "", "client key PEM")
	serverName = flag.String("tls-server-name", "localhost", "name to verify the server certificate against")
	rangeOrder = flag.Bool("range-order", false, "encode maps in Go's map iteration order, as Filebeat's encoder (go-structform) does: a resent event may come with its keys in another order")
	shape      = flag.String("shape", "plain", "event shape: plain (\"event N from golumber connection C\") or porttrack (a Filebeat container event whose message is a PortTrack log line, every -error-every'th at ERROR)")
	errorEvery = flag.Int("error-every", 5, "with -shape porttrack: every this many events (by number) is an ERROR line")
)

var (
	sum   summary
	mu    sync.Mutex
	start = time.Now()
)

func fail(format string, args ...interface{}) {
	mu.Lock()
	defer mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "golumber:", msg)
	if len(sum.Errors) < 50 {
		sum.Errors = append(sum.Errors, msg)
	}
}

func event(n, conn int) interface{} {
	if *shape == "porttrack" {
		return porttrackEvent(n, conn)
	}
	msg := fmt.Sprintf("event %d from golumber connection %d", n, conn)
	if *size > len(msg) {
		msg += " " + strings.Repeat("x", *size-len(msg)-1)
	}
	ts := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond)
	return map[string]interface{}{
		"@timestamp": ts.Format("2006-01-02T15:04:05.000Z"),
		"@metadata":  map[string]interface{}{"beat": "filebeat", "type": "_doc", "version": "9.3.0"},
		"message":    msg,
		"n":          n,
		"log":        map[string]interface{}{"offset": n * 100, "file": map[string]interface{}{"path": "/var/log/containers/app.log"}},
		"host":       map[string]interface{}{"name": "golumber"},
		"stream":     "stdout",
	}
}

// porttrackEvent is a Filebeat 9 container-input event whose message is a PortTrack service's log line:
// "<ISO8601> <LEVEL> <text>", the level ERROR when n is a multiple of -error-every, else INFO or WARN.
func porttrackEvent(n, conn int) interface{} {
	ts := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond)
	level := "INFO"
	if *errorEvery > 0 && n%*errorEvery == 0 {
		level = "ERROR"
	} else if n%7 == 3 {
		level = "WARN"
	}
	msg := fmt.Sprintf("%s %s [crane-%d] event %d from golumber connection %d", ts.Format("2006-01-02T15:04:05.000Z"), level, n%12, n, conn)
	if *size > len(msg) {
		msg += " " + strings.Repeat("x", *size-len(msg)-1)
	}
	pod := fmt.Sprintf("porttrack-api-%d", n%3)
	return map[string]interface{}{
		"@timestamp": ts.Add(5 * time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
		"@metadata":  map[string]interface{}{"beat": "filebeat", "type": "_doc", "version": "9.3.0"},
		"message":    msg,
		"n":          n,
		"stream":     "stdout",
		"input":      map[string]interface{}{"type": "container"},
		"log":        map[string]interface{}{"offset": n * 120, "file": map[string]interface{}{"path": "/var/log/containers/" + pod + "_default_api-abc.log"}},
		"container":  map[string]interface{}{"id": strings.Repeat("c0ffee", 10), "image": map[string]interface{}{"name": "registry.local/porttrack/api:1.4.2"}, "runtime": "containerd"},
		"kubernetes": map[string]interface{}{"namespace": "default", "pod": map[string]interface{}{"name": pod}, "labels": map[string]interface{}{"app": "porttrack-api"}},
		"agent":      map[string]interface{}{"type": "filebeat", "version": "9.3.0", "name": "node-1"},
		"host":       map[string]interface{}{"name": "golumber"},
	}
}

func dialer() (func(network, address string) (net.Conn, error), error) {
	plain := &net.Dialer{Timeout: *timeout}
	if *caFile == "" {
		return plain.Dial, nil
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", *caFile)
	}
	config := &tls.Config{RootCAs: pool, ServerName: *serverName, MinVersion: tls.VersionTLS12}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return nil, err
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return func(network, address string) (net.Conn, error) {
		return tls.DialWithDialer(plain, network, address, config)
	}, nil
}

// encodeRangeOrder writes JSON with object keys in Go's (randomised) map iteration order.
func encodeRangeOrder(v interface{}) ([]byte, error) {
	var b bytes.Buffer
	err := writeRangeOrder(&b, v)
	return b.Bytes(), err
}

func writeRangeOrder(b *bytes.Buffer, v interface{}) error {
	object, ok := v.(map[string]interface{})
	if !ok {
		leaf, err := json.Marshal(v)
		b.Write(leaf)
		return err
	}
	b.WriteByte('{')
	first := true
	for key, value := range object {
		if !first {
			b.WriteByte(',')
		}
		first = false
		name, _ := json.Marshal(key)
		b.Write(name)
		b.WriteByte(':')
		if err := writeRangeOrder(b, value); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

type win struct{ from, count int }
type result struct {
	seq uint32
	err error
}

// sendAll delivers events[0:] over reconnecting clients until all are acknowledged or the deadline.
func sendAll(conn int, events []interface{}, dial func(string, string) (net.Conn, error), until time.Time) bool {
	pos := 0
	sentOnce := make([]bool, len(events))
	mark := func(w win) {
		for i := w.from; i < w.from+w.count; i++ {
			if sentOnce[i] {
				atomic.AddInt64(&sum.Resent, 1)
			}
			sentOnce[i] = true
		}
		atomic.AddInt64(&sum.Sent, int64(w.count))
	}
	opts := []v2.Option{v2.Timeout(*timeout), v2.CompressionLevel(*compress)}
	if *rangeOrder {
		opts = append(opts, v2.JSONEncoder(encodeRangeOrder))
	}
	attempt := 0
	for pos < len(events) {
		if time.Now().After(until) {
			fail("connection %d: deadline reached with %d of %d events unacknowledged", conn, len(events)-pos, len(events))
			return false
		}
		if attempt > 0 {
			atomic.AddInt64(&sum.Reconnects, 1)
			time.Sleep(200 * time.Millisecond)
		}
		attempt++
		if *pipelining <= 0 {
			client, err := v2.SyncDialWith(dial, *addr, opts...)
			if err != nil {
				fail("connection %d: dial: %v", conn, err)
				continue
			}
			for pos < len(events) {
				w := win{pos, min(*window, len(events)-pos)}
				mark(w)
				n, err := client.Send(events[w.from : w.from+w.count])
				pos += n
				atomic.AddInt64(&sum.Acked, int64(n))
				if err != nil {
					fail("connection %d: send at event %d: %v", conn, pos, err)
					break
				}
			}
			client.Close()
			continue
		}
		client, err := v2.AsyncDialWith(dial, *addr, *pipelining, opts...)
		if err != nil {
			fail("connection %d: dial: %v", conn, err)
			continue
		}
		results := make(chan result, *pipelining+2)
		var inflight []win
		next := pos
		broken, closed := false, false
		for {
			for !broken && len(inflight) < *pipelining && next < len(events) {
				w := win{next, min(*window, len(events)-next)}
				mark(w)
				err := client.Send(func(seq uint32, err error) { results <- result{seq, err} }, events[w.from:w.from+w.count])
				inflight = append(inflight, w)
				next += w.count
				if err != nil {
					broken = true
				}
			}
			if len(inflight) == 0 {
				break
			}
			r := <-results
			w := inflight[0]
			inflight = inflight[1:]
			if !broken {
				acked := int(r.seq)
				if acked > w.count {
					acked = w.count
				}
				atomic.AddInt64(&sum.Acked, int64(acked))
				pos = w.from + acked
				if r.err != nil || acked < w.count {
					fail("connection %d: window at event %d acknowledged %d of %d: %v", conn, w.from, acked, w.count, r.err)
					broken = true
					closed = true
					client.Close() // the rest of the windows in flight come back failed
				}
			}
		}
		if !closed {
			client.Close() // once only: a second Close panics (it closes a channel)
		}
	}
	return true
}

func main() {
	flag.Parse()
	if *shape != "plain" && *shape != "porttrack" {
		fmt.Fprintln(os.Stderr, "golumber: -shape is plain or porttrack, not", *shape)
		os.Exit(2)
	}
	dial, err := dialer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "golumber:", err)
		os.Exit(2)
	}
	until := time.Now().Add(*deadline)
	sum.Events = *total
	sum.Errors = []string{}
	var wg sync.WaitGroup
	var unfinished int64
	share := (*total + *conns - 1) / *conns
	for c := 0; c < *conns; c++ {
		lo, hi := c*share, min((c+1)*share, *total)
		if lo >= hi {
			break
		}
		events := make([]interface{}, 0, hi-lo)
		for n := lo; n < hi; n++ {
			events = append(events, event(*first+n, c))
		}
		wg.Add(1)
		go func(conn int, events []interface{}) {
			defer wg.Done()
			if !sendAll(conn, events, dial, until) {
				atomic.AddInt64(&unfinished, 1)
			}
		}(c, events)
	}
	wg.Wait()
	sum.Seconds = time.Since(start).Seconds()
	sum.Unfinished = int(unfinished)
	out, _ := json.Marshal(sum)
	fmt.Println(string(out))
	if unfinished > 0 {
		os.Exit(1)
	}
}
