package scenarios

import (
	"regexp"
	"sync"

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
	// needs is the tag every scenario using the step must carry: one of leftOut's tags when
	// real servers cannot do it (the tag says why), "@tcp" when the fakes can only do it on
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

// realCannot marks a step real servers cannot carry out; tag is the leftOut tag that says why.
func (d stepDef) realCannot(tag string) stepDef {
	d.needs, d.real = tag, "not supported: "+leftOut[tag]
	return d
}

// fromHistory marks a step that reads what a server received: the fakes' histories, and on
// real servers the history of the scenario's proxy in front of them.
func (d stepDef) fromHistory() stepDef {
	d.fake = "reads the server's request history"
	d.real = "reads the history of the scenario's proxy: what the clients sent through it to the server"
	return d
}

// tcpOnFake marks a step about sockets: on the fakes its scenarios must run on loopback TCP.
func (d stepDef) tcpOnFake() stepDef { d.needs = tagTCP; return d }

// alias adds words a writer may use for the step.
func (d stepDef) alias(words ...string) stepDef { d.aka = append(d.aka, words...); return d }

// The tags of scenarios the real backend leaves out, each naming what real servers cannot do
// (behind the scenario's own proxy, on the wall clock scaled by 1/10), and why.
const (
	tagFixedExpiry = "@fixed-expiry"
	tagExactTime   = "@exact-time"
	tagHours       = "@hours"
	tagCheckPhase  = "@check-phase"
)

// leftOut says why the real backend leaves out the scenarios tagged so.
var leftOut = map[string]string{
	tagFixedExpiry: "4.9.7's 120 s expiries (the name server's of a silent broker, the broker's of a silent client " +
		"and of an idle connection) are fixed in its code: they cannot be scaled to the wall clock's 1/10",
	tagExactTime: "needs the feature's clock exact: instants a millisecond apart, Java's 30 s periods (2.5 s of wall time " +
		"on real servers, not 3), or the client's first heartbeat 1 s after its start (fixed as in Java, so ten of the feature's seconds there)",
	tagCheckPhase: "times a broker's transaction-check round: a real broker's rounds run from its own start, at no " +
		"known instant of the feature's clock",
	tagHours: "lasts hours of the feature's time: a tenth of it on the wall clock is longer than a run of the book on " +
		"real servers can wait",
}

// tagTCP marks scenarios about sockets: on the fake backend they run without a bubble, on a
// fake cluster over loopback TCP, in real time.
const tagTCP = "@tcp"

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
		{"Transactions", w.transactionSteps()},
		{"Request-reply", w.requestSteps()},
		{"Consumers", w.consumerSteps()},
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

// register hands the steps to godog, each pattern compiled once for the whole run: given a
// string, godog compiles it again for every scenario (110 scenarios of 134 steps: 15% of the
// fake book's CPU).
func register(sc *godog.ScenarioContext, defs []stepDef) {
	for _, d := range defs {
		sc.Step(compiledStep(d.pattern), d.handler)
	}
}

// stepRegexps maps each step pattern to its compiled form; scenarios start concurrently.
var stepRegexps sync.Map

func compiledStep(pattern string) *regexp.Regexp {
	if re, ok := stepRegexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := stepRegexps.LoadOrStore(pattern, regexp.MustCompile(pattern))
	return re.(*regexp.Regexp)
}
