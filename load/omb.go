package load

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// OMBResult is a run as OpenMessaging Benchmark writes its own (its TestResult class, with the
// field names its bin/create_charts.py reads), so that its chart script can plot a rocketsim
// run beside runs of the benchmark's drivers.
//
// Units are the benchmark's: rates in messages per second, publish and end-to-end latencies in
// milliseconds, the publish delay in microseconds. The series hold one value per sampling
// interval of the run (-interval; the benchmark samples every 10 s and its chart script draws
// sample i at 10*i seconds, so give -interval 10s for a matching time axis).
//
// What the run does not measure is left empty rather than made up: the publish delay (how late
// a send left against its schedule) and the end-to-end series per interval are empty lists, and
// their aggregated fields are absent from the JSON (or, for end to end without consumers, all of
// them). backlog and consumeRate are empty without consumers.
type OMBResult struct {
	Workload          string `json:"workload"`
	Driver            string `json:"driver"`
	MessageSize       int64  `json:"messageSize"`
	Topics            int    `json:"topics"`
	Partitions        int    `json:"partitions"` // queues per topic, over all brokers, as the run created them
	ProducersPerTopic int    `json:"producersPerTopic"`
	ConsumersPerTopic int    `json:"consumersPerTopic"`

	PublishRate      []float64 `json:"publishRate"`
	PublishErrorRate []float64 `json:"publishErrorRate"`
	ConsumeRate      []float64 `json:"consumeRate"`
	Backlog          []int64   `json:"backlog"`

	PublishLatencyAvg     []float64 `json:"publishLatencyAvg"`
	PublishLatency50pct   []float64 `json:"publishLatency50pct"`
	PublishLatency75pct   []float64 `json:"publishLatency75pct"`
	PublishLatency95pct   []float64 `json:"publishLatency95pct"`
	PublishLatency99pct   []float64 `json:"publishLatency99pct"`
	PublishLatency999pct  []float64 `json:"publishLatency999pct"`
	PublishLatency9999pct []float64 `json:"publishLatency9999pct"`
	PublishLatencyMax     []float64 `json:"publishLatencyMax"`

	PublishDelayLatencyAvg     []float64 `json:"publishDelayLatencyAvg"`
	PublishDelayLatency50pct   []int64   `json:"publishDelayLatency50pct"`
	PublishDelayLatency75pct   []int64   `json:"publishDelayLatency75pct"`
	PublishDelayLatency95pct   []int64   `json:"publishDelayLatency95pct"`
	PublishDelayLatency99pct   []int64   `json:"publishDelayLatency99pct"`
	PublishDelayLatency999pct  []int64   `json:"publishDelayLatency999pct"`
	PublishDelayLatency9999pct []int64   `json:"publishDelayLatency9999pct"`
	PublishDelayLatencyMax     []int64   `json:"publishDelayLatencyMax"`

	AggregatedPublishLatencyAvg     float64 `json:"aggregatedPublishLatencyAvg"`
	AggregatedPublishLatency50pct   float64 `json:"aggregatedPublishLatency50pct"`
	AggregatedPublishLatency75pct   float64 `json:"aggregatedPublishLatency75pct"`
	AggregatedPublishLatency95pct   float64 `json:"aggregatedPublishLatency95pct"`
	AggregatedPublishLatency99pct   float64 `json:"aggregatedPublishLatency99pct"`
	AggregatedPublishLatency999pct  float64 `json:"aggregatedPublishLatency999pct"`
	AggregatedPublishLatency9999pct float64 `json:"aggregatedPublishLatency9999pct"`
	AggregatedPublishLatencyMax     float64 `json:"aggregatedPublishLatencyMax"`

	// Keyed by percentile as the benchmark writes a Java Double: "50.0", "99.99".
	AggregatedPublishLatencyQuantiles      map[string]float64 `json:"aggregatedPublishLatencyQuantiles"`
	AggregatedPublishDelayLatencyQuantiles map[string]int64   `json:"aggregatedPublishDelayLatencyQuantiles"`

	EndToEndLatencyAvg     []float64 `json:"endToEndLatencyAvg"`
	EndToEndLatency50pct   []float64 `json:"endToEndLatency50pct"`
	EndToEndLatency75pct   []float64 `json:"endToEndLatency75pct"`
	EndToEndLatency95pct   []float64 `json:"endToEndLatency95pct"`
	EndToEndLatency99pct   []float64 `json:"endToEndLatency99pct"`
	EndToEndLatency999pct  []float64 `json:"endToEndLatency999pct"`
	EndToEndLatency9999pct []float64 `json:"endToEndLatency9999pct"`
	EndToEndLatencyMax     []float64 `json:"endToEndLatencyMax"`

	AggregatedEndToEndLatencyQuantiles map[string]float64 `json:"aggregatedEndToEndLatencyQuantiles"`

	AggregatedEndToEndLatencyAvg     *float64 `json:"aggregatedEndToEndLatencyAvg,omitempty"`
	AggregatedEndToEndLatency50pct   *float64 `json:"aggregatedEndToEndLatency50pct,omitempty"`
	AggregatedEndToEndLatency75pct   *float64 `json:"aggregatedEndToEndLatency75pct,omitempty"`
	AggregatedEndToEndLatency95pct   *float64 `json:"aggregatedEndToEndLatency95pct,omitempty"`
	AggregatedEndToEndLatency99pct   *float64 `json:"aggregatedEndToEndLatency99pct,omitempty"`
	AggregatedEndToEndLatency999pct  *float64 `json:"aggregatedEndToEndLatency999pct,omitempty"`
	AggregatedEndToEndLatency9999pct *float64 `json:"aggregatedEndToEndLatency9999pct,omitempty"`
	AggregatedEndToEndLatencyMax     *float64 `json:"aggregatedEndToEndLatencyMax,omitempty"`
}

// ombQuantiles are the percentiles of the benchmark's aggregated quantile maps that a
// rocketsim run reports (the benchmark walks its histogram in finer steps).
var ombQuantiles = []float64{50, 75, 90, 95, 99, 99.9, 99.99}

// ombKey writes a percentile as Jackson writes a Java Double map key: "50.0", "99.9".
func ombKey(q float64) string {
	s := strconv.FormatFloat(q, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// OMB returns the run as OpenMessaging Benchmark's result. workload is the name the chart
// script groups results by (give a benchmark workload's name to plot beside its results; empty:
// one made as the benchmark makes them, see ombWorkload); driver names what ran, as the
// benchmark's driver name does (the chart's legend).
func (r *Result) OMB(workload, driver string) OMBResult {
	c := r.Config
	if workload == "" {
		workload = ombWorkload(r)
	}
	o := OMBResult{
		Workload:          workload,
		Driver:            driver,
		MessageSize:       int64(c.Size),
		Topics:            len(r.Topics),
		Partitions:        c.Queues * c.Brokers,
		ProducersPerTopic: c.Producers,
		ConsumersPerTopic: c.Consumers,

		ConsumeRate: []float64{}, Backlog: []int64{},

		PublishDelayLatencyAvg: []float64{}, PublishDelayLatency50pct: []int64{}, PublishDelayLatency75pct: []int64{},
		PublishDelayLatency95pct: []int64{}, PublishDelayLatency99pct: []int64{}, PublishDelayLatency999pct: []int64{},
		PublishDelayLatency9999pct: []int64{}, PublishDelayLatencyMax: []int64{},
		AggregatedPublishDelayLatencyQuantiles: map[string]int64{},

		EndToEndLatencyAvg: []float64{}, EndToEndLatency50pct: []float64{}, EndToEndLatency75pct: []float64{},
		EndToEndLatency95pct: []float64{}, EndToEndLatency99pct: []float64{}, EndToEndLatency999pct: []float64{},
		EndToEndLatency9999pct: []float64{}, EndToEndLatencyMax: []float64{},
		AggregatedEndToEndLatencyQuantiles: map[string]float64{},
	}
	if c.NameServer != "" {
		// The run did not create the cluster: its brokers are not known here.
		o.Partitions = c.Queues
	}
	consumers := r.Summary.Consumption != nil
	for _, p := range r.Points {
		o.PublishRate = append(o.PublishRate, p.TPS)
		o.PublishErrorRate = append(o.PublishErrorRate, p.FailedTPS)
		o.PublishLatencyAvg = append(o.PublishLatencyAvg, p.AvgMs)
		o.PublishLatency50pct = append(o.PublishLatency50pct, p.P50Ms)
		o.PublishLatency75pct = append(o.PublishLatency75pct, p.P75Ms)
		o.PublishLatency95pct = append(o.PublishLatency95pct, p.P95Ms)
		o.PublishLatency99pct = append(o.PublishLatency99pct, p.P99Ms)
		o.PublishLatency999pct = append(o.PublishLatency999pct, p.P999Ms)
		o.PublishLatency9999pct = append(o.PublishLatency9999pct, p.P9999Ms)
		o.PublishLatencyMax = append(o.PublishLatencyMax, p.MaxMs)
		if consumers {
			o.ConsumeRate = append(o.ConsumeRate, p.ConsumeTPS)
			o.Backlog = append(o.Backlog, p.Lag)
		}
	}
	if h := r.publishHist; h != nil {
		o.AggregatedPublishLatencyAvg = h.Mean() / 1000
		o.AggregatedPublishLatency50pct = ms(h.ValueAtQuantile(50))
		o.AggregatedPublishLatency75pct = ms(h.ValueAtQuantile(75))
		o.AggregatedPublishLatency95pct = ms(h.ValueAtQuantile(95))
		o.AggregatedPublishLatency99pct = ms(h.ValueAtQuantile(99))
		o.AggregatedPublishLatency999pct = ms(h.ValueAtQuantile(99.9))
		o.AggregatedPublishLatency9999pct = ms(h.ValueAtQuantile(99.99))
		o.AggregatedPublishLatencyMax = ms(h.Max())
		o.AggregatedPublishLatencyQuantiles = quantilesMs(h)
	}
	if h := r.endToEndHist; h != nil {
		at := func(q float64) *float64 { v := ms(h.ValueAtQuantile(q)); return &v }
		avg, maxMs := h.Mean()/1000, ms(h.Max())
		o.AggregatedEndToEndLatencyAvg = &avg
		o.AggregatedEndToEndLatency50pct = at(50)
		o.AggregatedEndToEndLatency75pct = at(75)
		o.AggregatedEndToEndLatency95pct = at(95)
		o.AggregatedEndToEndLatency99pct = at(99)
		o.AggregatedEndToEndLatency999pct = at(99.9)
		o.AggregatedEndToEndLatency9999pct = at(99.99)
		o.AggregatedEndToEndLatencyMax = &maxMs
		o.AggregatedEndToEndLatencyQuantiles = quantilesMs(h)
	}
	return o
}

func quantilesMs(h *hdrhistogram.Histogram) map[string]float64 {
	out := make(map[string]float64, len(ombQuantiles))
	for _, q := range ombQuantiles {
		out[ombKey(q)] = ms(h.ValueAtQuantile(q))
	}
	return out
}

// ombWorkload names the run as the benchmark names its workloads ("1-topic-16-partitions-1kb"),
// with the plan's name in front when there is one: the chart script groups results by it.
func ombWorkload(r *Result) string {
	c := r.Config
	w := fmt.Sprintf("%d-topic-%d-partitions-%dB", len(r.Topics), c.Queues*c.Brokers, c.Size)
	if c.Plan != nil && c.Plan.Name != "" {
		w = c.Plan.Name + "-" + w
	}
	return w
}

// WriteOMBResult writes the run as OpenMessaging Benchmark's result JSON (see OMBResult).
func WriteOMBResult(w io.Writer, r *Result, workload, driver string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.OMB(workload, driver))
}
