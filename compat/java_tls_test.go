package compat

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

// The Java 4.9.7 producer with tls.enable=true (ClientConfig.useTLS; its default trust is
// any certificate) against fakes that enforce TLS with a self-signed certificate: every send
// arrives over TLS, as a plain connection would be refused. The official Go client v2.1.2 has
// no TLS option at all (its remoting dials plain TCP), so it has no counterpart here.
func TestJavaProducerOverTLS(t *testing.T) {
	peer := requireJavaPeer(t)
	c := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic(topic, topicQueues),
		fakecluster.WithTLS(nil, remoting.TLSEnforcing))
	group := uniqueName(t, "jpg_tls")
	run := peer.run(t, []string{"-Dtls.enable=true"}, c.NameServerAddr(), "sync", topic, group, fmt.Sprint(javaPerOp))
	results := linesOf(run.lines, "sync")
	require.Len(t, results, javaPerOp)
	stored := byMsgID(c.Messages(topic))
	for _, l := range results {
		m, ok := stored[l.MsgID]
		require.True(t, ok, "result msgId %s not stored", l.MsgID)
		requireSameMessage(t, l.I, javaBody("sync", l.I), m)
		requireJavaResult(t, l, m)
	}
	for _, s := range c.Limits() {
		require.Zero(t, s.Counters.TLSRejected, "%s: the Java client never tried plain", s.Target)
		require.Zero(t, s.Counters.HandshakeFailures, "%s", s.Target)
	}
}
