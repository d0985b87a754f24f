package scenarios

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/steps.md from the step definitions")

const catalogueFile = "../docs/steps.md"

// TestStepCatalogue keeps docs/steps.md what the step definitions and the features say:
// `go test ./scenarios/ -run TestStepCatalogue -update` rewrites it.
func TestStepCatalogue(t *testing.T) {
	lines, err := readFeatures(nil, "../features")
	if err != nil {
		t.Fatal(err)
	}
	w := &World{}
	defs := compile(w.steps())
	ex := examples(defs, lines)
	for _, d := range defs {
		if _, ok := ex[d.pattern]; !ok {
			t.Errorf("no feature uses the step %s: use it or remove it", d.pattern)
		}
	}
	for _, l := range lines {
		if m := matching(defs, l.text); len(m) > 1 {
			t.Errorf("%s: %q matches %d steps", l.where(), l.text, len(m))
		}
	}
	got := catalogue(w.domains(), ex)
	if *update {
		if err := os.WriteFile(catalogueFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(catalogueFile)
	if err != nil {
		t.Fatalf("%v: run go test ./scenarios/ -run TestStepCatalogue -update", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("docs/steps.md is not current (-file +definitions); run go test ./scenarios/ -run TestStepCatalogue -update\n%s", diff)
	}
}

// catalogue writes docs/steps.md.
func catalogue(domains []stepDomain, ex map[string]featureLine) string {
	var b strings.Builder
	n := 0
	for _, d := range domains {
		n += len(d.defs)
	}
	fmt.Fprintf(&b, `# Step catalogue

The %d steps the behaviour book's features can use, generated from their definitions in
scenarios/steps_*.go by `+"`go test ./scenarios/ -run TestStepCatalogue -update`"+` (`+"`go test ./scenarios/`"+`
fails when this file is not current). For each: a line of a feature that uses it, its pattern,
what it means, and how each backend carries it out: the fakes (in-process, virtual time) and
real RocketMQ 4.9.7 (`+"`ROCKETSIM_BACKEND=real`"+`, wall time scaled by 1/10). A scenario that uses a step
real servers cannot carry out is tagged as the step says, and the real backend leaves it out.

A line that matches no step stops the suite before it runs, with the steps nearest to it.
`, n)
	for _, d := range domains {
		fmt.Fprintf(&b, "\n## %s\n", d.title)
		for _, s := range d.defs {
			e := ex[s.pattern]
			fmt.Fprintf(&b, "\n### `%s %s`\n\n", e.keyword, e.text)
			fmt.Fprintf(&b, "- Pattern: `%s`\n", s.pattern)
			fmt.Fprintf(&b, "- Used in: %s, %q\n", e.where(), e.scenario)
			fmt.Fprintf(&b, "- Means: %s\n", s.doc)
			if s.fake == "" && s.real == "" {
				fmt.Fprintf(&b, "- Fake and real: the same\n")
			} else {
				fmt.Fprintf(&b, "- Fake: %s\n", or(s.fake, "as it means"))
				fmt.Fprintf(&b, "- Real: %s\n", or(s.real, "as it means"))
			}
			if s.needs != "" {
				fmt.Fprintf(&b, "- Scenarios using it are tagged %s\n", s.needs)
			}
		}
	}
	return b.String()
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// A line a new writer would try, with no step of that name, is answered with the step that
// does it, not with godog's code snippets.
func TestUndefinedLinesSuggestNearestSteps(t *testing.T) {
	tests := []struct {
		line string
		want string // the pattern of the first suggestion
	}{
		{`When broker "broker-a" goes offline`, `^"([^"]*)" crashes$`},
		{`When "broker-a" restarts`, `^"([^"]*)" comes back$`},
		{`When producer "p" publishes a message to "Orders"`, `^producer "([^"]*)" sends a message to "([^"]*)"$`},
		{`Then the send fails with a connection refused error`, `^the send fails with a connection error$`},
		{`When the name server is slow to answer route queries`, `^the name server (delays route queries by (\d+) seconds?|drops route queries)$`},
	}
	features, err := readFeatures(nil, "../features")
	if err != nil {
		t.Fatal(err)
	}
	defs := compile((&World{}).steps())
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			fsys := fstest.MapFS{"new.feature": {Data: []byte(
				"Feature: new\n  Scenario: a writer's first try\n    Given a cluster with 2 brokers and topic \"Orders\" with 4 queues\n    " + tc.line + "\n")}}
			lines, err := readFeatures(fsys, ".")
			if err != nil {
				t.Fatal(err)
			}
			got := slices.DeleteFunc(undefinedLines(defs, append(features, lines...)), func(m string) bool {
				return !strings.HasPrefix(m, "features/new.feature:")
			})
			if len(got) != 1 {
				t.Fatalf("want one undefined line, got %q", got)
			}
			msg := got[0]
			if !strings.HasPrefix(msg, "features/new.feature:4: no step reads") || !strings.Contains(msg, "did you mean") {
				t.Fatalf("answer %q", msg)
			}
			if near := nearest(defs, tc.line, 1); len(near) == 0 || near[0].pattern != tc.want {
				t.Errorf("nearest step %v, want %s; the answer:\n%s", near, tc.want, msg)
			}
			if strings.Contains(msg, "func ") || strings.Contains(msg, "godog") {
				t.Errorf("the answer offers code: %s", msg)
			}
		})
	}
}

// A scenario that uses a step real servers cannot carry out (or that the fakes carry out on
// TCP only) is tagged so, and the backends leave it out or run it as the tag says.
func TestScenariosCarryTheTagsTheirStepsNeed(t *testing.T) {
	lines, err := readFeatures(nil, "../features")
	if err != nil {
		t.Fatal(err)
	}
	defs := compile((&World{}).steps())
	for _, l := range lines {
		for _, d := range matching(defs, l.text) {
			ok := d.needs == "" || slices.Contains(l.tags, d.needs)
			if !ok {
				t.Errorf("%s: %q needs its scenario %q tagged %s", l.where(), l.text, l.scenario, d.needs)
			}
		}
	}
}

// Each row of an outline's examples is a scenario of its own in the output, with a name of its
// own: the outline's name names the column that tells them apart.
func TestOutlinesNameTheirExamples(t *testing.T) {
	lines, err := readFeatures(nil, "../features")
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ file, name string }
	pickles := map[key][]string{}
	for _, l := range lines {
		k := key{l.file, l.scenario}
		if !slices.Contains(pickles[k], l.pickle) {
			pickles[k] = append(pickles[k], l.pickle)
		}
	}
	for k, ids := range pickles {
		if len(ids) > 1 {
			t.Errorf("%s: %d scenarios are named %q", k.file, len(ids), k.name)
		}
	}
}
