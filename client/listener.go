package client

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ConsumeConcurrentlyStatus is what a concurrent listener says of a batch (Java's
// ConsumeConcurrentlyStatus). The zero value is ConsumeSuccess, as in Java's order.
type ConsumeConcurrentlyStatus int

const (
	// ConsumeSuccess: the batch is consumed (up to the context's AckIndex).
	ConsumeSuccess ConsumeConcurrentlyStatus = iota
	// ReconsumeLater: the batch goes back to the broker, to come again after its delay level.
	ReconsumeLater
)

func (s ConsumeConcurrentlyStatus) String() string {
	switch s {
	case ConsumeSuccess:
		return "CONSUME_SUCCESS"
	case ReconsumeLater:
		return "RECONSUME_LATER"
	}
	return "ConsumeConcurrentlyStatus(" + strconv.Itoa(int(s)) + ")"
}

// ConsumeConcurrentlyContext is Java's ConsumeConcurrentlyContext: the queue the batch came
// from, and what the listener may set about its failure.
type ConsumeConcurrentlyContext struct {
	MessageQueue MessageQueue
	// DelayLevelWhenNextConsume is the delay level a failed message comes back after: 0 (the
	// default) leaves it to the broker (3 plus the message's reconsume times), -1 sends it to
	// the dead-letter queue at once.
	DelayLevelWhenNextConsume int
	// AckIndex, with ConsumeSuccess, is the index of the last message consumed: those after it
	// are retried. It starts at math.MaxInt32 (all of them).
	AckIndex int
}

// ConcurrentListener consumes a batch of messages (WithConsumeMessageBatchMaxSize, 1 by default)
// from one queue while other batches, of the same queue too, are consumed on other goroutines:
// Java's MessageListenerConcurrently. An error, or a panic, is Java's exception: the batch is
// consumed again later, as with ReconsumeLater. ctx ends when the consumer shuts down. The
// messages are the listener's to read during the call; a retried message's Topic is the topic
// it was first sent to.
type ConcurrentListener func(ctx context.Context, msgs []*MessageExt, cc *ConsumeConcurrentlyContext) (ConsumeConcurrentlyStatus, error)

// ConsumeOrderlyStatus is what an orderly listener says of a batch (Java's
// ConsumeOrderlyStatus). The zero value is ConsumeOrderlySuccess, as in Java's order.
type ConsumeOrderlyStatus int

const (
	// ConsumeOrderlySuccess: the batch is consumed (committed with AutoCommit).
	ConsumeOrderlySuccess ConsumeOrderlyStatus = iota
	// ConsumeOrderlyRollback puts the batch back to be consumed again (without AutoCommit).
	ConsumeOrderlyRollback
	// ConsumeOrderlyCommit commits what has been consumed (without AutoCommit).
	ConsumeOrderlyCommit
	// SuspendCurrentQueueAMoment stops the queue for a while; the batch is consumed again.
	SuspendCurrentQueueAMoment
)

func (s ConsumeOrderlyStatus) String() string {
	switch s {
	case ConsumeOrderlySuccess:
		return "SUCCESS"
	case ConsumeOrderlyRollback:
		return "ROLLBACK"
	case ConsumeOrderlyCommit:
		return "COMMIT"
	case SuspendCurrentQueueAMoment:
		return "SUSPEND_CURRENT_QUEUE_A_MOMENT"
	}
	return "ConsumeOrderlyStatus(" + strconv.Itoa(int(s)) + ")"
}

// ConsumeOrderlyContext is Java's ConsumeOrderlyContext.
type ConsumeOrderlyContext struct {
	MessageQueue MessageQueue
	// AutoCommit (true by default) commits the queue's offset after every ConsumeOrderlySuccess;
	// without it only ConsumeOrderlyCommit does.
	AutoCommit bool
	// SuspendCurrentQueueTime, when positive, is how long SuspendCurrentQueueAMoment stops the
	// queue (10 ms to 30 s); otherwise the consumer's WithSuspendCurrentQueueDelay.
	SuspendCurrentQueueTime time.Duration
}

// OrderlyListener consumes a batch of messages from one queue; no other batch of that queue is
// consumed until it returns, and in clustering mode only while this member holds the queue's
// broker lock: Java's MessageListenerOrderly. An error, or a panic, is Java's exception:
// SuspendCurrentQueueAMoment.
type OrderlyListener func(ctx context.Context, msgs []*MessageExt, oc *ConsumeOrderlyContext) (ConsumeOrderlyStatus, error)

func newConcurrentlyContext(mq MessageQueue) *ConsumeConcurrentlyContext {
	return &ConsumeConcurrentlyContext{MessageQueue: mq, AckIndex: math.MaxInt32}
}

// callListener runs f, turning a panic into an error as Java turns a Throwable into its
// exception path.
func callListener[S any](f func() (S, error)) (status S, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("client: listener panicked: %v", p)
		}
	}()
	return f()
}
