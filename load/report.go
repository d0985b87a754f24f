package load

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
}).Parse(reportHTML))

// Chart geometry, in SVG user units.
const (
	chartW      = 960
	chartH      = 320
	chartLeft   = 72
	chartRight  = 24
	chartTop    = 28
	chartBottom = 44
)

type chart struct {
	ID, Title, YLabel string
	W, H              int
	Left, Top         int
	PlotW, PlotH      int
	Series            []chartSeries
	XTicks, YTicks    []tick
	Markers           []marker
	Windows           []shade
	Empty             bool
}

// shade is a fault window drawn behind a chart's series.
type shade struct {
	X, W float64
	Text string
}

type chartSeries struct {
	Name, Color, Dash string
	Points            string // SVG polyline points
	Area              string // SVG path of the area under the line, or ""
	Width             float64
}

type tick struct {
	Pos   float64
	Label string
}

type marker struct {
	X           float64
	N           int
	Text        string
	Failed      bool
	LabelY      float64
	LabelBottom float64
}

type reportData struct {
	Title     string
	Generated string
	Summary   Summary
	Config    []kv
	Counts    []kv
	Latency   []kv
	Intended  []kv // from the intended send times, with a rate
	Consumed  []kv // the consumers' end, with consumers
	Brokers   []BrokerTotal
	Charts    []chart
	Events    []eventRow
	Notes     []string
}

type kv struct{ K, V string }

type eventRow struct {
	N      int
	At     string
	Text   string
	Failed string
}

// WriteReport writes a self-contained HTML report of the run: summary, throughput and latency
// over time as inline SVG charts (plan steps as numbered vertical markers), the plan's steps
// and the notes. It loads nothing from the network.
func WriteReport(w io.Writer, r *Result) error {
	s := r.Summary
	c := r.Config
	title := fmt.Sprintf("sim load: %s, %d×%d senders, %d B", s.Mode, s.Producers, s.Concurrency, s.Size)
	if c.Plan != nil {
		title += ", plan " + c.Plan.Name
	}
	d := reportData{
		Title:     title,
		Generated: r.Start.Format(time.RFC3339),
		Summary:   s,
		Notes:     r.Notes,
		Brokers:   r.Brokers,
	}
	target := "in-process fake cluster, " + strconv.Itoa(c.Brokers) + " broker(s), " + map[bool]string{true: "in-memory network", false: "loopback TCP"}[c.MemNetwork]
	if c.NameServer != "" {
		target = "name server " + c.NameServer
	}
	limit := "as fast as possible"
	if c.Rate > 0 {
		limit = fmt.Sprintf("%g msg/s", c.Rate)
	}
	length := c.Duration.String()
	if c.Messages > 0 {
		length = fmt.Sprintf("%d messages", c.Messages)
	}
	d.Config = []kv{{"cluster", target}, {"topics", strings.Join(r.Topics, ", ")}, {"queues per broker", strconv.Itoa(c.Queues)},
		{"mode", string(c.Mode)}, {"producers × senders", fmt.Sprintf("%d × %d", c.Producers, c.Concurrency)},
		{"body size", fmt.Sprintf("%d B", c.Size)}, {"rate", limit}, {"length", length}, {"run id", r.RunID}}
	if c.Mode == ModeAsync {
		d.Config = append(d.Config, kv{"in flight per sender", strconv.Itoa(c.InFlight)})
	}
	if c.Mode == ModeBatch {
		d.Config = append(d.Config, kv{"batch size", strconv.Itoa(c.BatchSize)})
	}
	if c.Plan != nil {
		d.Config = append(d.Config, kv{"plan", c.Plan.Name + " " + c.Plan.Description})
		if c.PlanSpeed != 1 {
			d.Config = append(d.Config, kv{"plan speed", fmt.Sprintf("×%g", c.PlanSpeed)})
		}
	}
	m := s.Messages
	d.Counts = []kv{{"sent", fmtInt(m.Sent)}, {"acked", fmtInt(m.Acked)}, {"failed", fmtInt(m.Failed)},
		{"lost", checked(m.Lost)}, {"duplicated", checked(m.Duplicated)},
		{"elapsed", fmt.Sprintf("%.2f s", s.ElapsedSeconds)}, {"throughput", fmt.Sprintf("%.0f msg/s", s.Throughput)}}
	if m.Dropped > 0 {
		d.Counts = slices.Insert(d.Counts, 5, kv{"dropped by retention", fmtInt(m.Dropped)})
	}
	l := s.LatencyMicros
	d.Latency = latencyCards(l)
	if s.IntendedLatencyMicros != nil {
		d.Intended = latencyCards(*s.IntendedLatencyMicros)
	}
	if cs := s.Consumption; cs != nil {
		d.Consumed = []kv{{"consumers", fmt.Sprintf("%d %s", cs.Consumers, cs.Kind)}, {"consumed", fmtInt(cs.Consumed)}, {"lost", fmtInt(cs.Lost)},
			{"duplicated", fmtInt(cs.Duplicated)}, {"by retry", fmtInt(cs.DuplicatedBy.Retry)}, {"by rebalance", fmtInt(cs.DuplicatedBy.Rebalance)},
			{"by restart", fmtInt(cs.DuplicatedBy.Restart)}, {"redelivered", fmtInt(cs.Redelivered)}, {"max lag", fmtInt(cs.MaxLag)},
			{"drained in", fmt.Sprintf("%.2f s", cs.DrainSeconds)}}
		if cs.Kind == string(ConsumerOrderly) {
			d.Consumed = append(d.Consumed, kv{"order violations", fmtInt(cs.OrderViolations)})
		}
		e := cs.EndToEndMicros
		d.Consumed = append(d.Consumed, kv{"end-to-end p50", fmtMicros(e.P50)}, kv{"end-to-end p99", fmtMicros(e.P99)}, kv{"end-to-end max", fmtMicros(e.Max)})
	}
	for i, ev := range r.Events {
		row := eventRow{N: i + 1, At: fmt.Sprintf("+%.2f s", ev.Offset.Seconds()), Text: ev.Text}
		switch {
		case ev.NotReached:
			row.Failed = ev.Err
		case ev.Err != "":
			row.Failed = "failed: " + ev.Err
		}
		d.Events = append(d.Events, row)
	}
	end := time.Duration(s.ElapsedSeconds * float64(time.Second))
	if n := len(r.Points); n > 0 {
		end = max(end, r.Points[n-1].Offset)
	}
	d.Charts = []chart{throughputChart(r, end)}
	if len(r.Brokers) > 0 {
		d.Charts = append(d.Charts, brokerChart(r, end))
	}
	d.Charts = append(d.Charts, latencyChart(r, end))
	if s.Consumption != nil {
		d.Charts = append(d.Charts, lagChart(r, end))
	}
	return reportTmpl.Execute(w, d)
}

func latencyCards(l Latency) []kv {
	return []kv{{"p50", fmtMicros(l.P50)}, {"p90", fmtMicros(l.P90)}, {"p99", fmtMicros(l.P99)},
		{"p99.9", fmtMicros(l.P999)}, {"max", fmtMicros(l.Max)}}
}

// lagChart draws the messages acknowledged and not yet consumed at each sampling tick.
func lagChart(r *Result, end time.Duration) chart {
	ch := newChart("lag", "Consumer lag", "messages")
	x := ch.xAxis(r, end)
	var top float64
	for _, p := range r.Points {
		top = max(top, float64(p.Lag))
	}
	y := ch.linearY(r, top)
	ch.Series = []chartSeries{{Name: "acknowledged, not yet consumed", Color: "#7c3aed",
		Points: series(r.Points, x, func(p Point) float64 { return y(float64(p.Lag)) }), Width: 2}}
	return ch
}

func checked(n int64) string {
	if n < 0 {
		return "not checked"
	}
	return fmtInt(n)
}

func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

func fmtMicros(us int64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", float64(us)/1000)
	}
	return fmt.Sprintf("%d µs", us)
}

func newChart(id, title, ylabel string) chart {
	return chart{ID: id, Title: title, YLabel: ylabel, W: chartW, H: chartH, Left: chartLeft, Top: chartTop,
		PlotW: chartW - chartLeft - chartRight, PlotH: chartH - chartTop - chartBottom}
}

// xAxis sets time ticks and the plan's markers; it returns the x of an offset.
// linearY is the y axis of a chart drawn from 0 to top (rounded up to a nice value): its ticks,
// and the function that places a value on it. Without points the chart is marked empty.
func (ch *chart) linearY(r *Result, top float64) func(float64) float64 {
	if len(r.Points) == 0 {
		ch.Empty = true
	}
	top = niceCeil(max(top, 1))
	y := func(v float64) float64 { return float64(ch.Top) + float64(ch.PlotH)*(1-v/top) }
	for _, v := range linearTicks(top) {
		ch.YTicks = append(ch.YTicks, tick{Pos: y(v), Label: fmtTickValue(v)})
	}
	return y
}

func (ch *chart) xAxis(r *Result, end time.Duration) func(time.Duration) float64 {
	span := max(end.Seconds(), 1e-3)
	x := func(d time.Duration) float64 {
		return float64(ch.Left) + d.Seconds()/span*float64(ch.PlotW)
	}
	step := niceStep(span / 8)
	for i := 0; float64(i)*step <= span*1.0001; i++ {
		t := float64(i) * step
		ch.XTicks = append(ch.XTicks, tick{Pos: x(time.Duration(t * float64(time.Second))), Label: fmtTickValue(t) + " s"})
	}
	for _, w := range r.Windows {
		from, to := x(w.From), x(w.To)
		ch.Windows = append(ch.Windows, shade{X: from, W: max(to-from, 1),
			Text: fmt.Sprintf("+%.2fs to +%.2fs: %s", w.From.Seconds(), w.To.Seconds(), w.Text)})
	}
	for i, ev := range r.Events {
		if ev.NotReached {
			continue // it never happened; the list of steps says so
		}
		mk := marker{X: x(ev.Offset), N: i + 1, Text: fmt.Sprintf("%d. +%.2fs %s", i+1, ev.Offset.Seconds(), ev.Text), Failed: ev.Err != ""}
		mk.LabelY = float64(ch.Top) - 8
		mk.LabelBottom = float64(ch.Top + ch.PlotH)
		ch.Markers = append(ch.Markers, mk)
	}
	return x
}

func throughputChart(r *Result, end time.Duration) chart {
	ch := newChart("throughput", "Throughput", "messages / s")
	x := ch.xAxis(r, end)
	top := 0.0
	for _, p := range r.Points {
		top = max(top, p.TPS, p.FailedTPS, p.ConsumeTPS)
	}
	y := ch.linearY(r, top)
	ok := series(r.Points, x, func(p Point) float64 { return y(p.TPS) })
	area := ""
	if ok != "" {
		area = fmt.Sprintf("M%.1f,%.1f L%s L%.1f,%.1f Z", x(r.Points[0].Offset), y(0), strings.ReplaceAll(ok, " ", " L"), x(r.Points[len(r.Points)-1].Offset), y(0))
	}
	ch.Series = []chartSeries{
		{Name: "acknowledged", Color: "#2563eb", Points: ok, Area: area, Width: 2},
		{Name: "failed", Color: "#dc2626", Points: series(r.Points, x, func(p Point) float64 { return y(p.FailedTPS) }), Width: 2},
	}
	if r.Summary.Consumption != nil {
		ch.Series = append(ch.Series, chartSeries{Name: "consumed", Color: "#16a34a", Dash: "6 3",
			Points: series(r.Points, x, func(p Point) float64 { return y(p.ConsumeTPS) }), Width: 2})
	}
	return ch
}

// brokerColors tells the brokers apart; a broker's three series share its color.
var brokerColors = []string{"#2563eb", "#ea580c", "#0d9488", "#9333ea", "#ca8a04", "#db2777"}

// brokerChart draws each broker's acknowledged messages per second (solid), its failed
// attempts (dashed) and the retries it took (dotted), so that a crash shows the traffic
// moving to the brokers left and coming back.
func brokerChart(r *Result, end time.Duration) chart {
	ch := newChart("brokers", "Throughput per broker", "per second")
	x := ch.xAxis(r, end)
	top := 0.0
	for _, p := range r.Points {
		for _, b := range p.Brokers {
			top = max(top, b.TPS, b.FailedPS, b.RetriesPS)
		}
	}
	y := ch.linearY(r, top)
	for i, bt := range r.Brokers {
		color := brokerColors[i%len(brokerColors)]
		// A point before the broker was first seen counts as 0: it had no traffic yet.
		of := func(f func(BrokerPoint) float64) string {
			return series(r.Points, x, func(p Point) float64 {
				for _, b := range p.Brokers {
					if b.Broker == bt.Broker {
						return y(f(b))
					}
				}
				return y(0)
			})
		}
		ch.Series = append(ch.Series,
			chartSeries{Name: bt.Broker + " acknowledged", Color: color, Points: of(func(b BrokerPoint) float64 { return b.TPS }), Width: 2},
			chartSeries{Name: bt.Broker + " failed attempts", Color: color, Dash: "6 3", Points: of(func(b BrokerPoint) float64 { return b.FailedPS }), Width: 1.5},
			chartSeries{Name: bt.Broker + " retries taken", Color: color, Dash: "2 3", Points: of(func(b BrokerPoint) float64 { return b.RetriesPS }), Width: 1.5})
	}
	return ch
}

func latencyChart(r *Result, end time.Duration) chart {
	ch := newChart("latency", "Latency (log scale)", "milliseconds")
	x := ch.xAxis(r, end)
	lo, hi := math.Inf(1), 0.0
	for _, p := range r.Points {
		for _, v := range []float64{p.P50Ms, p.P99Ms, p.P999Ms, p.MaxMs, p.IntendedP99Ms} {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if hi == 0 {
		ch.Empty = true
		lo, hi = 0.01, 1
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	y := func(v float64) float64 {
		v = max(v, lo)
		return float64(ch.Top) + float64(ch.PlotH)*(1-(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo)))
	}
	for v := lo; v <= hi*1.0001; v *= 10 {
		ch.YTicks = append(ch.YTicks, tick{Pos: y(v), Label: fmtTickValue(v)})
	}
	pos := func(f func(Point) float64) string {
		var pts []Point
		for _, p := range r.Points {
			if f(p) > 0 {
				pts = append(pts, p)
			}
		}
		return series(pts, x, func(p Point) float64 { return y(f(p)) })
	}
	ch.Series = []chartSeries{
		{Name: "max", Color: "#9ca3af", Dash: "4 3", Points: pos(func(p Point) float64 { return p.MaxMs }), Width: 1.5},
		{Name: "p99.9", Color: "#dc2626", Points: pos(func(p Point) float64 { return p.P999Ms }), Width: 2},
		{Name: "p99", Color: "#f59e0b", Points: pos(func(p Point) float64 { return p.P99Ms }), Width: 2},
		{Name: "p50", Color: "#16a34a", Points: pos(func(p Point) float64 { return p.P50Ms }), Width: 2},
	}
	if r.Summary.IntendedLatencyMicros != nil {
		ch.Series = append(ch.Series, chartSeries{Name: "p99 from the intended send time", Color: "#7c3aed", Dash: "6 3",
			Points: pos(func(p Point) float64 { return p.IntendedP99Ms }), Width: 2})
	}
	return ch
}

func series(pts []Point, x func(time.Duration) float64, y func(Point) float64) string {
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x(p.Offset), y(p))
	}
	return b.String()
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func niceCeil(v float64) float64 {
	step := niceStep(v / 5)
	return math.Ceil(v/step) * step
}

func linearTicks(top float64) []float64 {
	step := niceStep(top / 5)
	var out []float64
	for i := 0; float64(i)*step <= top*1.0001; i++ {
		out = append(out, float64(i)*step)
	}
	return out
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func fmtTickValue(v float64) string {
	switch {
	case v >= 1e6:
		return trimFloat(math.Round(v/1e5)/10) + "M"
	case v >= 1e4:
		return trimFloat(math.Round(v/100)/10) + "k"
	case v >= 1:
		return trimFloat(math.Round(v*100) / 100)
	case v == 0:
		return "0"
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
