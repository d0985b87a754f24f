package scenarios

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// featureLine is one step line of a feature as the book reads it: its text (an outline's
// filled in from its example row), its keyword and where it is written.
type featureLine struct {
	keyword, text string
	file          string // "features/x.feature"
	line          int64
	tags          []string // the scenario's tags, its feature's included
	scenario      string   // the scenario's name (an outline's, with its example's values)
	pickle        string   // the id of the scenario as godog runs it (one per example of an outline)
}

func (l featureLine) where() string { return fmt.Sprintf("%s:%d", l.file, l.line) }

// readFeatures parses the features under dir of fsys (nil: the OS's files) as godog will run
// them, and returns every step line of every scenario, in file order.
func readFeatures(fsys fs.FS, dir string) ([]featureLine, error) {
	opts := &godog.Options{Paths: []string{dir}, FS: fsys}
	features, err := godog.TestSuite{Options: opts}.RetrieveFeatures()
	if err != nil {
		return nil, err
	}
	var lines []featureLine
	for _, f := range features {
		file := "features/" + path.Base(f.Uri)
		type astStep struct {
			keyword string
			line    int64
		}
		steps := map[string]astStep{} // AST node id -> the line as written
		add := func(ss []*messages.Step) {
			for _, s := range ss {
				steps[s.Id] = astStep{strings.TrimSpace(s.Keyword), s.Location.Line}
			}
		}
		for _, child := range f.Feature.Children {
			if child.Background != nil {
				add(child.Background.Steps)
			}
			if child.Scenario != nil {
				add(child.Scenario.Steps)
			}
			if child.Rule != nil {
				for _, rc := range child.Rule.Children {
					if rc.Background != nil {
						add(rc.Background.Steps)
					}
					if rc.Scenario != nil {
						add(rc.Scenario.Steps)
					}
				}
			}
		}
		for _, p := range f.Pickles {
			var tags []string
			for _, t := range p.Tags {
				tags = append(tags, t.Name)
			}
			for _, s := range p.Steps {
				at := steps[s.AstNodeIds[0]]
				lines = append(lines, featureLine{keyword: at.keyword, text: s.Text, file: file, line: at.line,
					tags: tags, scenario: p.Name, pickle: p.Id})
			}
		}
	}
	return lines, nil
}

// compiled is a step definition with its pattern compiled.
type compiled struct {
	stepDef
	re *regexp.Regexp
}

func compile(defs []stepDef) []compiled {
	out := make([]compiled, len(defs))
	for i, d := range defs {
		out[i] = compiled{d, regexp.MustCompile(d.pattern)}
	}
	return out
}

// matching returns the definitions whose pattern matches text.
func matching(defs []compiled, text string) []compiled {
	var out []compiled
	for _, d := range defs {
		if d.re.MatchString(text) {
			out = append(out, d)
		}
	}
	return out
}

// examples maps each pattern to the first feature line it matches.
func examples(defs []compiled, lines []featureLine) map[string]featureLine {
	out := map[string]featureLine{}
	for _, l := range lines {
		for _, d := range matching(defs, l.text) {
			if _, ok := out[d.pattern]; !ok {
				out[d.pattern] = l
			}
		}
	}
	return out
}

// undefinedLines answers every line no step matches with the steps nearest to it, instead of
// the code snippets godog would offer: a writer of features needs the words the book already
// has, not a new step.
func undefinedLines(defs []compiled, lines []featureLine) []string {
	ex := examples(defs, lines)
	var out, seen []string
	for _, l := range lines {
		if len(matching(defs, l.text)) > 0 || slices.Contains(seen, l.where()) {
			continue
		}
		seen = append(seen, l.where())
		msg := fmt.Sprintf("%s: no step reads %q", l.where(), l.keyword+" "+l.text)
		if near := nearest(defs, l.text, 3); len(near) > 0 {
			msg += "; did you mean"
			for _, d := range near {
				if e, ok := ex[d.pattern]; ok {
					msg += fmt.Sprintf("\n    %s %s    (%s)", e.keyword, e.text, e.where())
				} else {
					msg += fmt.Sprintf("\n    %s", d.pattern)
				}
			}
		}
		out = append(out, msg)
	}
	return out
}

// quoted and number stand for a step's arguments when texts are compared.
var (
	quoted = regexp.MustCompile(`"[^"]*"`)
	number = regexp.MustCompile(`\b\d+\b`)
	word   = regexp.MustCompile(`[a-z_]+|"_"|#`)
	group  = regexp.MustCompile(`"\(\[\^"\]\*\)"|"\(\.\*\)"`)
	digits = regexp.MustCompile(`\(\\d\+\)`)
)

// fillers are words too common to tell steps apart.
var fillers = []string{"the", "a", "an", "to", "of", "is", "and", "with", "for", "in", "on", "at", "by", "has", "d", "s"}

// words reads a text as the words it is made of, its arguments as placeholders.
func words(text string) []string {
	text = number.ReplaceAllString(quoted.ReplaceAllString(strings.ToLower(text), `"_"`), "#")
	return slices.DeleteFunc(word.FindAllString(text, -1), func(w string) bool { return slices.Contains(fillers, w) })
}

// patternWords reads a pattern as words, its groups as placeholders.
func patternWords(pattern string) []string {
	return words(digits.ReplaceAllString(group.ReplaceAllString(pattern, `"x"`), "0"))
}

// nearest ranks the definitions by how many of text's words they have (their own words and
// their aliases'), aliases that appear whole counting double, and returns the best n of those
// that share a word with text and score at least half as well as the best.
func nearest(defs []compiled, text string, n int) []compiled {
	want := words(text)
	if len(want) == 0 {
		return nil
	}
	lower := strings.ToLower(text)
	type scored struct {
		d     compiled
		score float64
		size  int
	}
	var ranked []scored
	for _, d := range defs {
		have := patternWords(d.pattern)
		for _, a := range d.aka {
			have = append(have, words(a)...)
		}
		score := 0.0
		for _, w := range want {
			switch {
			case !slices.Contains(have, w):
			case w == `"_"` || w == "#":
				score += 0.25 // arguments are everywhere
			default:
				score++
			}
		}
		for _, a := range d.aka {
			if strings.Contains(lower, strings.ToLower(a)) {
				score += float64(len(words(a)))
			}
		}
		if score >= 1 {
			ranked = append(ranked, scored{d, score / float64(len(want)), len(have)})
		}
	}
	slices.SortStableFunc(ranked, func(a, b scored) int {
		switch {
		case a.score != b.score:
			if a.score > b.score {
				return -1
			}
			return 1
		default:
			return a.size - b.size
		}
	})
	var out []compiled
	for _, r := range ranked[:min(n, len(ranked))] {
		if r.score < ranked[0].score/2 {
			break // far behind the best: noise
		}
		out = append(out, r.d)
	}
	return out
}
