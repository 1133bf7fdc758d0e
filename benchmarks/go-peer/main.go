// go-peer renders the Resolver benchmark's template with Go's text/template, the peer the
// Resolver must beat tenfold. References `{{ Secrets.Name }}` (any case) are translated once
// to `{{.Name}}` lookups (`{{index . "name"}}` for names that are not identifiers) into a
// map of all the secrets under the names as given; each render executes into a fresh
// bytes.Buffer. Standard library only: build with `GO111MODULE=off go build`.
//
//	go-peer -template FILE -secrets FILE -iterations N [-show]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"text/template"
	"time"
)

var reference = regexp.MustCompile(`\{\{[ \t]*[Ss][Ee][Cc][Rr][Ee][Tt][Ss]\.([A-Za-z0-9_-]{1,128})[ \t]*\}\}`)
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-peer: "+format+"\n", args...)
	os.Exit(1)
}

// translate rewrites the template into text/template syntax: other `{{` text is emitted
// literally, and each Secrets reference becomes a map lookup under the secret's own name.
func translate(source string, canonical map[string]string) string {
	var out strings.Builder
	last := 0
	for _, m := range reference.FindAllStringSubmatchIndex(source, -1) {
		out.WriteString(strings.ReplaceAll(source[last:m[0]], "{{", `{{"{{"}}`))
		name := source[m[2]:m[3]]
		key, ok := canonical[strings.ToLower(name)]
		if !ok {
			fail("unknown secret %q", name)
		}
		if identifier.MatchString(key) {
			out.WriteString("{{." + key + "}}")
		} else {
			out.WriteString(fmt.Sprintf("{{index . %q}}", key))
		}
		last = m[1]
	}
	out.WriteString(strings.ReplaceAll(source[last:], "{{", `{{"{{"}}`))
	return out.String()
}

func main() {
	templatePath := flag.String("template", "", "the template file")
	secretsPath := flag.String("secrets", "", "a flat JSON object of secret name to value")
	iterations := flag.Int("iterations", 100000, "renders per timed run (best of 5 runs is reported)")
	show := flag.Bool("show", false, "print the rendered template once and exit")
	flag.Parse()
	if *templatePath == "" || *secretsPath == "" || *iterations <= 0 {
		fail("usage: go-peer -template FILE -secrets FILE [-iterations N] [-show]")
	}
	source, err := os.ReadFile(*templatePath)
	if err != nil {
		fail("%v", err)
	}
	raw, err := os.ReadFile(*secretsPath)
	if err != nil {
		fail("%v", err)
	}
	secrets := map[string]string{}
	if err := json.Unmarshal(raw, &secrets); err != nil {
		fail("bad secrets file: %v", err)
	}
	canonical := map[string]string{}
	for name := range secrets {
		canonical[strings.ToLower(name)] = name
	}
	tmpl, err := template.New("t").Option("missingkey=error").Parse(translate(string(source), canonical))
	if err != nil {
		fail("parse: %v", err)
	}

	render := func() []byte {
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, secrets); err != nil {
			fail("execute: %v", err)
		}
		return buf.Bytes()
	}
	if *show {
		os.Stdout.Write(render())
		return
	}

	var sink byte
	for i := 0; i < *iterations/5+50; i++ { // warm-up
		out := render()
		sink += out[len(out)/2]
	}
	best := 0.0
	for run := 0; run < 5; run++ {
		start := time.Now() // monotonic
		for i := 0; i < *iterations; i++ {
			out := render()
			sink += out[len(out)/2]
		}
		ns := float64(time.Since(start).Nanoseconds()) / float64(*iterations)
		if run == 0 || ns < best {
			best = ns
		}
	}
	fmt.Printf("peer_go_template_ns_per_render %.0f\n", best)
	if sink == 0x5E {
		fmt.Fprintln(os.Stderr, "")
	}
}
