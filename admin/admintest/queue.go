// Package admintest holds the checks of package admin that tests run alike against the fakes
// (admin's own tests) and against real RocketMQ (conformance), so both hold admin to one
// contract.
package admintest

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// QueueMessages is how many messages RequireQueueReads expects in the queue: bodies "0" to "39".
const QueueMessages = 40

// RequireQueueReads checks the offsets, pulls and read-backs of mq at addr, a queue of two
// or more holding QueueMessages messages whose bodies count from "0".
func RequireQueueReads(t *testing.T, ctx context.Context, cli *remoting.Client, addr string, mq protocol.MessageQueue) {
	t.Helper()
	minOff, err := admin.MinOffset(ctx, cli, addr, mq)
	require.NoError(t, err)
	require.Zero(t, minOff)
	maxOff, err := admin.MaxOffset(ctx, cli, addr, mq)
	require.NoError(t, err)
	require.EqualValues(t, QueueMessages, maxOff)

	res, err := admin.Pull(ctx, cli, addr, "", mq, 0)
	require.NoError(t, err)
	require.Equal(t, remoting.Success, res.Code)
	require.Len(t, res.Messages, admin.PullBatch)
	require.EqualValues(t, admin.PullBatch, res.NextBeginOffset)
	require.EqualValues(t, QueueMessages, res.MaxOffset)
	require.Equal(t, "0", string(res.Messages[0].Body))
	require.Equal(t, mq.BrokerName, res.Messages[0].BrokerName)
	res, err = admin.Pull(ctx, cli, addr, "", mq, QueueMessages)
	require.NoError(t, err)
	require.Equal(t, remoting.PullNotFound, res.Code)
	require.Empty(t, res.Messages)
	res, err = admin.Pull(ctx, cli, addr, "", mq, QueueMessages+1)
	require.NoError(t, err)
	require.Equal(t, remoting.PullOffsetMoved, res.Code)

	// A range, and up to the end.
	var bodies []string
	next, err := admin.ReadQueue(ctx, cli, addr, "", mq, 5, 35, func(m *protocol.MessageExt) { bodies = append(bodies, string(m.Body)) })
	require.NoError(t, err)
	require.EqualValues(t, 35, next)
	require.Len(t, bodies, 30)
	require.Equal(t, []string{"5", "34"}, []string{bodies[0], bodies[29]})
	n := 0
	next, err = admin.ReadQueue(ctx, cli, addr, "admin_test_reader", mq, 10, -1, func(*protocol.MessageExt) { n++ })
	require.NoError(t, err)
	require.EqualValues(t, QueueMessages, next)
	require.Equal(t, QueueMessages-10, n)
	_, err = admin.ReadQueue(ctx, cli, addr, "", mq, 50, 60, func(*protocol.MessageExt) {})
	require.ErrorIs(t, err, admin.ErrOffsetMoved)
}

// RequirePullRefusals checks what a pull stops at: a topic the broker at addr does not hold,
// and queue 2 of topic, which has two read queues there. It returns the second refusal.
func RequirePullRefusals(t *testing.T, ctx context.Context, cli *remoting.Client, addr, unknownTopic, topic string) *admin.ServerError {
	t.Helper()
	_, err := admin.Pull(ctx, cli, addr, "", protocol.MessageQueue{Topic: unknownTopic}, 0)
	require.ErrorIs(t, err, admin.ErrTopicNotExist)
	require.NotErrorIs(t, err, admin.ErrIllegalQueue)
	_, err = admin.Pull(ctx, cli, addr, "", protocol.MessageQueue{Topic: topic, QueueID: 2}, 0)
	require.ErrorIs(t, err, admin.ErrIllegalQueue)
	var se *admin.ServerError
	require.ErrorAs(t, err, &se)
	require.Contains(t, se.Remark, "queueId[2] is illegal, topic:["+topic+"] topicConfig.readQueueNums:[2]")
	return se
}

// Bodies returns the bodies RequireQueueReads expects, "0" to "39", for the test to send.
func Bodies() []string {
	out := make([]string, QueueMessages)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}
