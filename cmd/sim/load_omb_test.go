package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// ombTestResult is OpenMessaging Benchmark's TestResult (benchmark-framework's
// io.openmessaging.benchmark.TestResult), field for field, written here from the benchmark's
// class rather than from load.OMBResult so that a renamed or invented field fails the strict
// decode below.
type ombTestResult struct {
	Workload          string `json:"workload"`
	Driver            string `json:"driver"`
	MessageSize       int64  `json:"messageSize"`
	Topics            int    `json:"topics"`
	Partitions        int    `json:"partitions"`
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

	AggregatedPublishDelayLatencyAvg     float64 `json:"aggregatedPublishDelayLatencyAvg"`
	AggregatedPublishDelayLatency50pct   int64   `json:"aggregatedPublishDelayLatency50pct"`
	AggregatedPublishDelayLatency75pct   int64   `json:"aggregatedPublishDelayLatency75pct"`
	AggregatedPublishDelayLatency95pct   int64   `json:"aggregatedPublishDelayLatency95pct"`
	AggregatedPublishDelayLatency99pct   int64   `json:"aggregatedPublishDelayLatency99pct"`
	AggregatedPublishDelayLatency999pct  int64   `json:"aggregatedPublishDelayLatency999pct"`
	AggregatedPublishDelayLatency9999pct int64   `json:"aggregatedPublishDelayLatency9999pct"`
	AggregatedPublishDelayLatencyMax     int64   `json:"aggregatedPublishDelayLatencyMax"`

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

	AggregatedEndToEndLatencyAvg     float64 `json:"aggregatedEndToEndLatencyAvg"`
	AggregatedEndToEndLatency50pct   float64 `json:"aggregatedEndToEndLatency50pct"`
	AggregatedEndToEndLatency75pct   float64 `json:"aggregatedEndToEndLatency75pct"`
	AggregatedEndToEndLatency95pct   float64 `json:"aggregatedEndToEndLatency95pct"`
	AggregatedEndToEndLatency99pct   float64 `json:"aggregatedEndToEndLatency99pct"`
	AggregatedEndToEndLatency999pct  float64 `json:"aggregatedEndToEndLatency999pct"`
	AggregatedEndToEndLatency9999pct float64 `json:"aggregatedEndToEndLatency9999pct"`
	AggregatedEndToEndLatencyMax     float64 `json:"aggregatedEndToEndLatencyMax"`
}

// chartKeys are the fields OpenMessaging Benchmark's bin/create_charts.py reads from every
// result: a missing one stops the script with a KeyError.
var chartKeys = []string{"workload", "driver", "publishLatency99pct", "publishDelayLatency99pct", "publishRate",
	"publishErrorRate", "endToEndLatency95pct", "consumeRate", "endToEndLatencyAvg",
	"aggregatedPublishLatencyQuantiles", "aggregatedPublishDelayLatencyQuantiles", "aggregatedEndToEndLatencyQuantiles"}

// sim load -omb-json writes the benchmark's result: read back as the benchmark's own class,
// with the keys its chart script needs, and the same figures as the run's -json summary.
func TestLoadOMBJSON(t *testing.T) {
	for _, tt := range []struct {
		name      string
		args      []string
		consumers int
		workload  string
		driver    string
	}{
		{"with consumers", []string{"-consumers", "1"}, 1, "1-topic-4-partitions-128B", "rocketsim fake"},
		{"producers only, named", []string{"-omb-workload", "1-topic-16-partitions-1kb", "-omb-driver", "RocketMQ-fake"}, 0,
			"1-topic-16-partitions-1kb", "RocketMQ-fake"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "omb.json")
			args := append([]string{"load", "-messages", "500", "-interval", "50ms", "-json", "-omb-json", file}, tt.args...)
			code, stdout, stderr := runSim(t, args...)
			require.Equal(t, 0, code, stderr)
			s := decodeSummary(t, stdout)
			data, err := os.ReadFile(file)
			require.NoError(t, err)

			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(data, &raw))
			for _, k := range chartKeys {
				require.Contains(t, raw, k)
			}
			var r ombTestResult
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&r), string(data))

			require.Equal(t, tt.workload, r.Workload)
			require.Equal(t, tt.driver, r.Driver)
			require.EqualValues(t, 128, r.MessageSize)
			require.Equal(t, 1, r.Topics)
			require.Equal(t, 4, r.Partitions) // 4 queues on the one broker
			require.Equal(t, 1, r.ProducersPerTopic)
			require.Equal(t, tt.consumers, r.ConsumersPerTopic)

			ms := func(us int64) float64 { return float64(us) / 1000 }
			require.Equal(t, ms(s.LatencyMicros.P50), r.AggregatedPublishLatency50pct)
			require.Equal(t, ms(s.LatencyMicros.P99), r.AggregatedPublishLatency99pct)
			require.Equal(t, ms(s.LatencyMicros.P999), r.AggregatedPublishLatency999pct)
			require.Equal(t, ms(s.LatencyMicros.Max), r.AggregatedPublishLatencyMax)
			require.Equal(t, ms(s.LatencyMicros.P90), r.AggregatedPublishLatencyQuantiles["90.0"])
			require.Equal(t, ms(s.LatencyMicros.P999), r.AggregatedPublishLatencyQuantiles["99.9"])
			require.Positive(t, r.AggregatedPublishLatencyAvg)
			require.LessOrEqual(t, r.AggregatedPublishLatency50pct, r.AggregatedPublishLatency75pct)
			require.LessOrEqual(t, r.AggregatedPublishLatency75pct, r.AggregatedPublishLatency95pct)
			require.LessOrEqual(t, r.AggregatedPublishLatency95pct, r.AggregatedPublishLatency99pct)

			// One value per sampling interval in every series.
			require.NotEmpty(t, r.PublishRate)
			for _, series := range [][]float64{r.PublishErrorRate, r.PublishLatencyAvg, r.PublishLatency50pct,
				r.PublishLatency75pct, r.PublishLatency95pct, r.PublishLatency99pct, r.PublishLatency999pct,
				r.PublishLatency9999pct, r.PublishLatencyMax} {
				require.Len(t, series, len(r.PublishRate))
			}
			var total float64
			for _, v := range r.PublishRate {
				total += v
			}
			require.Positive(t, total)
			for _, v := range r.PublishErrorRate {
				require.Zero(t, v)
			}
			require.Empty(t, r.PublishDelayLatency99pct, "not measured: left empty")

			if tt.consumers == 0 {
				require.Empty(t, r.ConsumeRate)
				require.Empty(t, r.Backlog)
				require.Empty(t, r.AggregatedEndToEndLatencyQuantiles)
				require.NotContains(t, raw, "aggregatedEndToEndLatency50pct", "not measured: absent, not 0")
				return
			}
			c := s.Consumption
			require.NotNil(t, c)
			require.Len(t, r.ConsumeRate, len(r.PublishRate))
			require.Len(t, r.Backlog, len(r.PublishRate))
			require.Equal(t, ms(c.EndToEndMicros.P50), r.AggregatedEndToEndLatency50pct)
			require.Equal(t, ms(c.EndToEndMicros.P99), r.AggregatedEndToEndLatency99pct)
			require.Equal(t, ms(c.EndToEndMicros.Max), r.AggregatedEndToEndLatencyMax)
			require.Equal(t, ms(c.EndToEndMicros.P99), r.AggregatedEndToEndLatencyQuantiles["99.0"])
			require.Positive(t, r.AggregatedEndToEndLatencyAvg)
		})
	}
}
