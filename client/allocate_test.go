package client

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// javaAllocations is what rocketmq-client 4.9.7's strategies allocate for topic T with four
// queues on broker-a and broker-b and one on broker-c, to members 192.0.2.1@c0..c(n-1): each
// member's queues as broker letter and queue id (a Java program run against the Maven Central
// jars).
var javaAllocations = []string{
	"AVG n=1: [a0,a1,a2,a3,b0,b1,b2,b3,c0,]",
	"AVG_BY_CIRCLE n=1: [a0,a1,a2,a3,b0,b1,b2,b3,c0,]",
	"CONSISTENT_HASH n=1: [a0,a1,a2,a3,b0,b1,b2,b3,c0,]",
	"CONSISTENT_HASH3 n=1: [a0,a1,a2,a3,b0,b1,b2,b3,c0,]",
	"AVG n=2: [a0,a1,a2,a3,b0,] [b1,b2,b3,c0,]",
	"AVG_BY_CIRCLE n=2: [a0,a2,b0,b2,c0,] [a1,a3,b1,b3,]",
	"CONSISTENT_HASH n=2: [a2,b0,b1,b2,b3,c0,] [a0,a1,a3,]",
	"CONSISTENT_HASH3 n=2: [a1,a2,a3,b0,b1,b2,] [a0,b3,c0,]",
	"AVG n=3: [a0,a1,a2,] [a3,b0,b1,] [b2,b3,c0,]",
	"AVG_BY_CIRCLE n=3: [a0,a3,b2,] [a1,b0,b3,] [a2,b1,c0,]",
	"CONSISTENT_HASH n=3: [a2,b0,b2,b3,] [a3,] [a0,a1,b1,c0,]",
	"CONSISTENT_HASH3 n=3: [a1,a2,a3,b0,b1,b2,] [b3,] [a0,c0,]",
	"AVG n=4: [a0,a1,a2,] [a3,b0,] [b1,b2,] [b3,c0,]",
	"AVG_BY_CIRCLE n=4: [a0,b0,c0,] [a1,b1,] [a2,b2,] [a3,b3,]",
	"CONSISTENT_HASH n=4: [a2,b0,b3,] [a3,] [a1,c0,] [a0,b1,b2,]",
	"CONSISTENT_HASH3 n=4: [a1,a2,a3,b0,b1,b2,] [b3,] [a0,c0,] []",
	"AVG n=10: [a0,] [a1,] [a2,] [a3,] [b0,] [b1,] [b2,] [b3,] [c0,] []",
	"AVG_BY_CIRCLE n=10: [a0,] [a1,] [a2,] [a3,] [b0,] [b1,] [b2,] [b3,] [c0,] []",
	"CONSISTENT_HASH n=10: [b3,] [] [c0,] [b1,] [b0,] [a1,a2,] [b2,] [] [a0,] [a3,]",
	"CONSISTENT_HASH3 n=10: [a2,b2,] [] [a0,c0,] [] [b0,] [a1,] [a3,] [b1,] [] [b3,]",
}

func TestAllocateStrategiesMatchJava(t *testing.T) {
	var mqAll []MessageQueue
	for _, b := range []string{"broker-a", "broker-b"} {
		for q := range 4 {
			mqAll = append(mqAll, MessageQueue{Topic: "T", BrokerName: b, QueueID: q})
		}
	}
	mqAll = append(mqAll, MessageQueue{Topic: "T", BrokerName: "broker-c", QueueID: 0})
	strategies := []struct {
		label string
		s     AllocateStrategy
	}{
		{"AVG", AllocateAveragely()}, {"AVG_BY_CIRCLE", AllocateAveragelyByCircle()},
		{"CONSISTENT_HASH", AllocateConsistentHash(DefaultVirtualNodes)}, {"CONSISTENT_HASH3", AllocateConsistentHash(3)},
	}
	var got []string
	for _, n := range []int{1, 2, 3, 4, 10} {
		var cids []string
		for i := range n {
			cids = append(cids, fmt.Sprintf("192.0.2.1@c%d", i))
		}
		for _, st := range strategies {
			var b strings.Builder
			fmt.Fprintf(&b, "%s n=%d:", st.label, n)
			for _, cid := range cids {
				mine, err := st.s.Allocate("g", cid, mqAll, cids)
				require.NoError(t, err)
				b.WriteString(" [")
				for _, mq := range mine {
					fmt.Fprintf(&b, "%s%d,", strings.TrimPrefix(mq.BrokerName, "broker-"), mq.QueueID)
				}
				b.WriteString("]")
			}
			got = append(got, b.String())
		}
	}
	require.Equal(t, javaAllocations, got)
}

func TestAllocateRefusesWhatJavaRefuses(t *testing.T) {
	mqs := []MessageQueue{{Topic: "T", BrokerName: "b", QueueID: 0}}
	for _, s := range []AllocateStrategy{AllocateAveragely(), AllocateAveragelyByCircle(), AllocateConsistentHash(2)} {
		_, err := s.Allocate("g", "", mqs, []string{"c"})
		require.EqualError(t, err, "currentCID is empty", s.Name())
		_, err = s.Allocate("g", "c", nil, []string{"c"})
		require.EqualError(t, err, "mqAll is null or mqAll empty", s.Name())
		_, err = s.Allocate("g", "c", mqs, nil)
		require.EqualError(t, err, "cidAll is null or cidAll empty", s.Name())
		got, err := s.Allocate("g", "stranger", mqs, []string{"c"})
		require.NoError(t, err, "a member the broker does not list gets nothing, as Java logs a bug and answers nothing")
		require.Empty(t, got, s.Name())
	}
	_, err := AllocateConsistentHash(-1).Allocate("g", "c", mqs, []string{"c"})
	require.EqualError(t, err, "illegal virtualNodeCnt :-1")
	byConfig := AllocateByConfig(mqs[0])
	got, err := byConfig.Allocate("g", "anyone", nil, nil)
	require.NoError(t, err)
	require.Equal(t, mqs, got)
	require.Equal(t, "CONFIG", byConfig.Name())
}
