package scenarios

import (
	"github.com/cucumber/godog"
)

// stepDef is one step of the behaviour book: the pattern godog matches a line of a feature
// against, the function it calls, and what a writer of features needs to know about it. The
// catalogue (docs/steps.md) is generated from these, and an undefined line is answered with the
// steps nearest to it.
type stepDef struct {
	pattern string
	handler any
	// doc says what the step means, in the words of the features.
	doc string
	// fake and real say how each backend carries it out, when that is worth knowing; empty
	// means as doc says.
	fake, real string
	// needs is the tag every scenario using the step must carry: "@fake-only" or
	// "@needs-history" when real servers cannot do it, "@tcp" when the fakes can only do it on
	// loopback TCP; empty when any scenario can use it.
	needs string
	// aka lists words a writer may reach for instead of the step's own ("goes offline" for
	// "crashes"), so that "did you mean" finds it.
	aka []string
}

// step starts a definition; the methods below add to it.
func step(pattern, doc string, handler any) stepDef {
	return stepDef{pattern: pattern, doc: doc, handler: handler}
}

// onFake says how the fakes carry the step out.
func (d stepDef) onFake(how string) stepDef { d.fake = how; return d }

// onReal says how real servers carry the step out.
func (d stepDef) onReal(how string) stepDef { d.real = how; return d }

// fakeOnly marks a step real servers cannot carry out, and why.
func (d stepDef) fakeOnly(why string) stepDef {
	d.needs, d.real = tagFakeOnly, "not supported: "+why
	return d
}

// fromHistory marks a step that reads what a server received, which real servers do not keep.
func (d stepDef) fromHistory() stepDef {
	d.needs = tagNeedsHistory
	d.fake = "reads the server's request history"
	d.real = "not supported: real servers keep no request history"
	return d
}

// tcpOnFake marks a step about sockets: on the fakes its scenarios must run on loopback TCP.
func (d stepDef) tcpOnFake() stepDef { d.needs = tagTCP; return d }

// alias adds words a writer may use for the step.
func (d stepDef) alias(words ...string) stepDef { d.aka = append(d.aka, words...); return d }

// The tags of scenarios the real backend leaves out.
const (
	tagFakeOnly     = "@fake-only"
	tagNeedsHistory = "@needs-history"
	// tagTCP marks scenarios about sockets: on the fake backend they run without a bubble, on a
	// fake cluster over loopback TCP, in real time.
	tagTCP = "@tcp"
)

// stepDomain is one part of the book's vocabulary, as the catalogue groups it.
type stepDomain struct {
	title string
	defs  []stepDef
}

// domains lists every step of the book, domain by domain. The handlers act on w; a zero
// World serves to list the definitions without running them.
func (w *World) domains() []stepDomain {
	return []stepDomain{
		{"The cluster", w.clusterSteps()},
		{"Time", w.timeSteps()},
		{"Faults", w.faultSteps()},
		{"Producers", w.producerSteps()},
		{"Name-server lists", w.nameServerSteps()},
		{"Sends", w.sendSteps()},
		{"What the servers saw and stored", w.assertSteps()},
	}
}

// steps lists every step of the book.
func (w *World) steps() []stepDef {
	var all []stepDef
	for _, d := range w.domains() {
		all = append(all, d.defs...)
	}
	return all
}

// register hands the steps to godog.
func register(sc *godog.ScenarioContext, defs []stepDef) {
	for _, d := range defs {
		sc.Step(d.pattern, d.handler)
	}
}
