// loadgen drives a 3-node Coffer cluster (HTTPS API, net/http with keep-alive) or a 3-node
// etcd cluster (its Go client, clientv3) closed-loop with the same concurrency and
// connection counts: one worker per connection, each sending its next request as soon as
// the previous one is answered. One program for both, so the measuring code, the TLS stack
// and the client-side CPU cost are alike. It only talks to 127.0.0.1. Values come from its
// own random generator, never argv.
//
// Built offline in GOPATH mode against Debian's golang-etcd-server-dev (see
// ../cluster-vs-etcd.sh). Output: one "key=value ..." line per run.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
)

var (
	system      = flag.String("system", "coffer", "coffer or etcd")
	op          = flag.String("op", "put", "put, get, setup, failover or rotate")
	endpoints   = flag.String("endpoints", "", "comma-separated host:port (127.0.0.1 only); workers use them round-robin")
	concurrency = flag.Int("c", 1, "closed-loop workers, one connection each")
	maxOps      = flag.Int("n", 20000, "stop after this many operations")
	maxTime     = flag.Duration("d", 5*time.Second, "or after this long")
	warmup      = flag.Duration("warmup", time.Second, "untimed load before the timed run")
	linear      = flag.Bool("linearizable", false, "reads: linearizable instead of serializable/local")
	valueSize   = flag.Int("value-size", 256, "bytes per written value")
	caFile      = flag.String("ca", "", "CA certificate (PEM)")
	certFile    = flag.String("cert", "", "etcd: client certificate")
	keyFile     = flag.String("key", "", "etcd: client key")
	tokenFile   = flag.String("token-file", "", "coffer: bearer token file")
	template    = flag.String("template", "", "coffer reads: template file to render")
	placement   = flag.String("placement", "http", "coffer reads: placement")
	secretsFile = flag.String("secrets", "", "setup: JSON object of name to value to create")
	pids        = flag.String("pids", "", "failover: member pids, aligned with -endpoints")
	serverPids  = flag.String("server-pids", "", "pids whose CPU time is reported for the timed run")
	count       = flag.Int("count", 1, "rotate: how many secrets in one rotation")
	waitMs      = flag.Int("wait-ms", -1, "rotate: wait_ms to send (-1: leave it out)")
	pool        = flag.Int("pool", 4096, "writes update keys bench-0000 .. pool-1, made by -op setup")
)

func main() {
	flag.Parse()
	for _, ep := range strings.Split(*endpoints, ",") {
		if !strings.HasPrefix(ep, "127.0.0.1:") {
			fail("only 127.0.0.1 endpoints are allowed, got %q", ep)
		}
	}
	var c client
	switch *system {
	case "coffer":
		c = newCoffer()
	case "etcd":
		c = newEtcd()
	default:
		fail("unknown -system %q", *system)
	}
	switch *op {
	case "put", "get":
		runLoad(c)
	case "setup":
		setup(c)
	case "failover":
		failover(c)
	case "rotate":
		rotate(c.(*cofferClient))
	default:
		fail("unknown -op %q", *op)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(1)
}

// client is one system's operations; worker w uses connection w.
type client interface {
	put(w int, key string, value []byte) error
	get(w int, key string) error
	leader() (int, error)                             // index into -endpoints
	probe(member int, key string, value []byte) error // failover: write a fresh key through one member, 1 s timeout
	close()
}

func endpointList() []string { return strings.Split(*endpoints, ",") }

func tlsConfig() *tls.Config {
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		fail("read CA: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	config := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail("client certificate: %v", err)
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config
}

// MARK: load

// A worker's value generator: printable, so the same bytes go into Coffer's JSON body.
type values struct {
	rng *rand.Rand
	buf []byte
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func newValues(seed int64, size int) *values {
	return &values{rng: rand.New(rand.NewSource(seed)), buf: make([]byte, size)}
}

func (v *values) next() []byte {
	for i := range v.buf {
		v.buf[i] = alphabet[v.rng.Intn(len(alphabet))]
	}
	return v.buf
}

// The i-th key worker w writes: the workers stride through the pool, so no two of them
// update the same key at once and each key is updated about as often as any other (a
// Coffer secret keeps the metadata of every version, so writes must not pile onto one).
func poolKey(w, i int) string { return fmt.Sprintf("bench-%04d", (w+i**concurrency)%*pool) }

type cpuTimes struct{ user, sys time.Duration }

func selfCPU() cpuTimes {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return cpuTimes{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}

// The CPU time (user+sys) of the processes in -server-pids, from /proc.
func serverCPU() time.Duration {
	var total time.Duration
	for _, p := range strings.Split(*serverPids, ",") {
		if p == "" {
			continue
		}
		data, err := os.ReadFile("/proc/" + p + "/stat")
		if err != nil {
			continue
		}
		text := string(data)
		fields := strings.Fields(text[strings.LastIndexByte(text, ')')+2:])
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		total += time.Duration(utime+stime) * (time.Second / 100) // USER_HZ is 100 on Linux
	}
	return total
}

// phase runs every worker closed-loop until the op budget or the deadline is spent.
func phase(c client, budget int, limit time.Duration, record bool) (lat []time.Duration, errs int, elapsed time.Duration) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	remaining := int64(budget)
	var budgetMu sync.Mutex
	take := func() bool {
		budgetMu.Lock()
		defer budgetMu.Unlock()
		if remaining <= 0 {
			return false
		}
		remaining--
		return true
	}
	start := time.Now()
	deadline := start.Add(limit)
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			vals := newValues(int64(w)*7919+time.Now().UnixNano(), *valueSize)
			mine := make([]time.Duration, 0, 4096)
			bad := 0
			for i := rand.Intn(*pool); take() && time.Now().Before(deadline); i++ {
				t0 := time.Now()
				var err error
				if *op == "put" {
					err = c.put(w, poolKey(w, i), vals.next())
				} else {
					err = c.get(w, "bench-read")
				}
				if err != nil {
					bad++
					if bad == 1 {
						fmt.Fprintf(os.Stderr, "loadgen: worker %d: %v\n", w, err)
					}
					continue
				}
				if record {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	return lat, errs, time.Since(start)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

func runLoad(c client) {
	defer c.close()
	if *warmup > 0 {
		phase(c, *maxOps, *warmup, false)
	}
	cpu0, srv0 := selfCPU(), serverCPU()
	lat, errs, elapsed := phase(c, *maxOps, *maxTime, true)
	cpu1, srv1 := selfCPU(), serverCPU()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	user, sys := cpu1.user-cpu0.user, cpu1.sys-cpu0.sys
	fmt.Printf("system=%s op=%s c=%d linearizable=%v ops=%d errors=%d seconds=%.3f ops_per_s=%.0f p50_ms=%s p99_ms=%s "+
		"loadgen_cpu_s=%.3f loadgen_cpu_pct=%.0f server_cpu_s=%.3f\n",
		*system, *op, *concurrency, *linear, len(lat), errs, elapsed.Seconds(), float64(len(lat))/elapsed.Seconds(),
		ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99)),
		(user + sys).Seconds(), 100*(user+sys).Seconds()/elapsed.Seconds(), (srv1 - srv0).Seconds())
}

// setup makes the pool of keys the writes update (and, for Coffer, the secrets a render
// references), with -c workers, so that the timed load only updates existing entries.
func setup(c client) {
	defer c.close()
	items := map[string][]byte{}
	for i := 0; i < *pool; i++ {
		items[fmt.Sprintf("bench-%04d", i)] = append([]byte(nil), newValues(int64(i), *valueSize).next()...)
	}
	// The etcd read key holds about a rendered template's size.
	items["bench-read"] = append([]byte(nil), newValues(1, 1024).next()...)
	if *secretsFile != "" {
		data, err := os.ReadFile(*secretsFile)
		if err != nil {
			fail("read secrets: %v", err)
		}
		var secrets map[string]string
		if err := json.Unmarshal(data, &secrets); err != nil {
			fail("secrets: %v", err)
		}
		for name, value := range secrets {
			items[name] = []byte(value)
		}
	}
	keys := make(chan string, len(items))
	for key := range items {
		keys <- key
	}
	close(keys)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for key := range keys {
				if err := c.put(w, key, items[key]); err != nil {
					mu.Lock()
					failed = fmt.Errorf("%s: %v", key, err)
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if failed != nil {
		fail("setup %v", failed)
	}
	fmt.Printf("setup=ok keys=%d\n", len(items))
}

// MARK: failover

// failover finds the leader, checks a write through a survivor, kills the leader with
// SIGKILL and times until the first write acknowledged through a survivor. A fresh write
// attempt starts every 10 ms (each with a 1 s timeout), so the figure is the moment the
// first one succeeds, not quantised by a retry timeout. Prints the killed member's index
// so the script can restart it.
func failover(c client) {
	defer c.close()
	eps := endpointList()
	pidList := strings.Split(*pids, ",")
	var lead int
	var err error
	for i := 0; i < 100; i++ {
		if lead, err = c.leader(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fail("no leader: %v", err)
	}
	survivor := (lead + 1) % len(eps)
	value := append([]byte(nil), newValues(time.Now().UnixNano(), *valueSize).next()...)
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := c.probe(survivor, "fo-"+tag+"-warm", value); err != nil {
		fail("write before the kill: %v", err)
	}
	pid, _ := strconv.Atoi(pidList[lead])
	done := make(chan time.Duration, 1)
	start := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		fail("kill %d: %v", pid, err)
	}
	attempts := 0
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	for {
		attempts++
		go func(key string) {
			if c.probe(survivor, key, value) == nil {
				select {
				case done <- time.Since(start):
				default:
				}
			}
		}("fo-" + tag + "-" + strconv.Itoa(attempts))
		select {
		case elapsed := <-done:
			fmt.Printf("killed=%d failover_ms=%.0f attempts=%d\n", lead, float64(elapsed)/1e6, attempts)
			return
		case <-ticker.C:
		}
		if time.Since(start) > 30*time.Second {
			fail("no write succeeded within 30 s of the kill")
		}
	}
}

// MARK: Coffer

type cofferClient struct {
	eps      []string
	token    string
	conns    []*http.Client
	prober   *http.Client // failover: many connections, overlapping attempts
	template []byte
}

func newCoffer() *cofferClient {
	token, err := os.ReadFile(*tokenFile)
	if err != nil {
		fail("read token: %v", err)
	}
	c := &cofferClient{eps: endpointList(), token: strings.TrimSpace(string(token))}
	if *template != "" {
		if c.template, err = os.ReadFile(*template); err != nil {
			fail("read template: %v", err)
		}
	}
	n := *concurrency
	if n < len(c.eps) {
		n = len(c.eps)
	}
	config := tlsConfig()
	for i := 0; i < n; i++ {
		// One transport per worker: exactly one kept-alive connection each.
		transport := &http.Transport{TLSClientConfig: config.Clone(), MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1,
			DisableCompression: true, ForceAttemptHTTP2: false}
		c.conns = append(c.conns, &http.Client{Transport: transport, Timeout: 2 * time.Second})
	}
	c.prober = &http.Client{Transport: &http.Transport{TLSClientConfig: config.Clone(), MaxIdleConnsPerHost: 100},
		Timeout: time.Second}
	return c
}

func (c *cofferClient) endpoint(w int) string { return c.eps[w%len(c.eps)] }

func (c *cofferClient) do(w int, method, path string, body []byte) (int, []byte, error) {
	request, err := http.NewRequest(method, "https://"+c.endpoint(w)+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	request.Header.Set("Authorization", "Bearer "+c.token)
	if *op != "get" {
		request.Header.Set("Content-Type", "application/json")
	}
	response, err := c.conns[w].Do(request)
	if err != nil {
		return 0, nil, err
	}
	answer, err := io.ReadAll(response.Body)
	response.Body.Close()
	return response.StatusCode, answer, err
}

// put rotates an existing secret (PUT), creating it on first use (404 -> POST).
func (c *cofferClient) put(w int, key string, value []byte) error {
	body := append(append([]byte(`{"value":"`), value...), '"', '}')
	status, _, err := c.do(w, "PUT", "/v1/secrets/"+key, body)
	if err != nil {
		return err
	}
	if status == 404 {
		create := append(append([]byte(`{"name":"`+key+`","value":"`), value...), '"', '}')
		if status, _, err = c.do(w, "POST", "/v1/secrets", create); err != nil {
			return err
		}
		if status == 201 {
			return nil
		}
	}
	if status != 200 {
		return fmt.Errorf("PUT %s: HTTP %d", key, status)
	}
	return nil
}

func (c *cofferClient) probe(member int, key string, value []byte) error {
	body := append(append([]byte(`{"name":"`+key+`","value":"`), value...), '"', '}')
	request, _ := http.NewRequest("POST", "https://"+c.eps[member]+"/v1/secrets", bytes.NewReader(body))
	request.Header.Set("Authorization", "Bearer "+c.token)
	request.Header.Set("Content-Type", "application/json")
	response, err := c.prober.Do(request)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, response.Body)
	response.Body.Close()
	if response.StatusCode != 201 {
		return fmt.Errorf("HTTP %d", response.StatusCode)
	}
	return nil
}

func (c *cofferClient) get(w int, _ string) error {
	path := "/v1/render?placement=" + *placement
	if *linear {
		path += "&consistency=linearizable"
	}
	status, _, err := c.do(w, "POST", path, c.template)
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("render: HTTP %d", status)
	}
	return nil
}

func (c *cofferClient) leader() (int, error) {
	for i := range c.eps {
		status, body, err := c.do(i, "GET", "/v1/cluster", nil)
		if err != nil || status != 200 {
			continue
		}
		var cluster struct {
			Leader string `json:"leader"`
		}
		if json.Unmarshal(body, &cluster) != nil || !strings.HasPrefix(cluster.Leader, "node") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(cluster.Leader, "node"))
		if err != nil || n < 1 || n > len(c.eps) {
			continue
		}
		return n - 1, nil // coffer dev: nodeN listens on the N-th endpoint
	}
	return 0, fmt.Errorf("no member names a leader")
}

func (c *cofferClient) close() {}

// rotate times one POST /v1/rotations of -count secrets: to the answer, and to the moment
// every member has applied it (from the answer or GET /v1/rotations/{id}).
func rotate(c *cofferClient) {
	names := make([]string, *count)
	vals := newValues(time.Now().UnixNano(), 32)
	for i := range names {
		names[i] = fmt.Sprintf("rot-%04d", i)
		if err := c.put(0, names[i], vals.next()); err != nil {
			fail("create %s: %v", names[i], err)
		}
	}
	request := map[string]interface{}{"names": names, "generate": map[string]int{"length": 32}}
	if *waitMs >= 0 {
		request["wait_ms"] = *waitMs
	}
	body, _ := json.Marshal(request)
	start := time.Now()
	status, answer, err := c.do(0, "POST", "/v1/rotations", body)
	if err != nil {
		fail("rotation: %v", err)
	}
	answered := time.Since(start)
	if status == 404 {
		fmt.Printf("count=%d rotation=n/a reason=no_/v1/rotations\n", *count)
		return
	}
	if status != 200 && status != 201 {
		fail("rotation: HTTP %d", status)
	}
	var reply struct {
		ID       string `json:"id"`
		Complete bool   `json:"complete"`
	}
	if err := json.Unmarshal(answer, &reply); err != nil {
		fail("rotation answer: %v", err)
	}
	for !reply.Complete {
		if time.Since(start) > 30*time.Second {
			fail("rotation %s not applied on all members within 30 s", reply.ID)
		}
		status, answer, err = c.do(0, "GET", "/v1/rotations/"+reply.ID, nil)
		if err == nil && status == 200 {
			json.Unmarshal(answer, &reply)
		}
		if !reply.Complete {
			time.Sleep(time.Millisecond)
		}
	}
	fmt.Printf("count=%d answer_ms=%s all_applied_ms=%s\n", *count, ms(answered), ms(time.Since(start)))
}

// MARK: etcd

type etcdClient struct {
	eps     []string
	clients []*clientv3.Client
}

func newEtcd() *etcdClient {
	c := &etcdClient{eps: endpointList()}
	n := *concurrency
	if n < len(c.eps) {
		n = len(c.eps)
	}
	config := tlsConfig()
	for i := 0; i < n; i++ {
		// One client per worker, pinned to one member: one gRPC connection each.
		client, err := clientv3.New(clientv3.Config{Endpoints: []string{c.eps[i%len(c.eps)]}, TLS: config.Clone(),
			DialTimeout: 2 * time.Second})
		if err != nil {
			fail("etcd client: %v", err)
		}
		c.clients = append(c.clients, client)
	}
	return c
}

func (c *etcdClient) put(w int, key string, value []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.clients[w].Put(ctx, key, string(value))
	return err
}

func (c *etcdClient) probe(member int, key string, value []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.clients[member].Put(ctx, key, string(value))
	return err
}

func (c *etcdClient) get(w int, key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var err error
	if *linear {
		_, err = c.clients[w].Get(ctx, key)
	} else {
		_, err = c.clients[w].Get(ctx, key, clientv3.WithSerializable())
	}
	return err
}

func (c *etcdClient) leader() (int, error) {
	ids := map[uint64]int{}
	var lead uint64
	for i, ep := range c.eps {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		status, err := c.clients[i].Status(ctx, ep)
		cancel()
		if err != nil {
			continue
		}
		ids[status.Header.MemberId] = i
		if status.Leader != 0 {
			lead = status.Leader
		}
	}
	if i, ok := ids[lead]; ok && lead != 0 {
		return i, nil
	}
	return 0, fmt.Errorf("no leader known")
}

func (c *etcdClient) close() {
	for _, client := range c.clients {
		client.Close()
	}
}
