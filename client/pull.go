package client

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// pullRequest is Java's PullRequest: one queue a push consumer consumes, and where its next pull
// starts. At most one pull of a queue is on its way at any time, so only the goroutine that
// holds the request touches nextOffset and previouslyLocked.
type pullRequest struct {
	group            string
	mq               MessageQueue
	pq               *processQueue
	nextOffset       int64
	previouslyLocked bool
}

func (r *pullRequest) String() string {
	return "PullRequest [consumerGroup=" + r.group + ", messageQueue=" + r.mq.javaString() +
		", nextOffset=" + strconv.FormatInt(r.nextOffset, 10) + "]"
}

// pullService is Java's PullMessageService: one goroutine takes pull requests from a queue and
// starts their pulls; a scheduler puts them back after a delay.
type pullService struct {
	inst  *instance
	mu    sync.Mutex
	queue []*pullRequest
	ready chan struct{}
	stopC chan struct{}
	done  chan struct{}
	later *scheduler // PullMessageServiceScheduledThread
}

func startPullService(inst *instance) *pullService {
	ps := &pullService{
		inst: inst, ready: make(chan struct{}, 1), stopC: make(chan struct{}), done: make(chan struct{}),
		later: startScheduler(),
	}
	go ps.run()
	return ps
}

// executeImmediately is executePullRequestImmediately.
func (ps *pullService) executeImmediately(r *pullRequest) {
	ps.mu.Lock()
	ps.queue = append(ps.queue, r)
	ps.mu.Unlock()
	select {
	case ps.ready <- struct{}{}:
	default:
	}
}

// executeLater is executePullRequestLater.
func (ps *pullService) executeLater(r *pullRequest, d time.Duration) {
	if !ps.later.after(d, func() { ps.executeImmediately(r) }) {
		ps.inst.cfg.logger.Warn("PullMessageServiceScheduledThread has shutdown")
	}
}

// executeTaskLater is executeTaskLater.
func (ps *pullService) executeTaskLater(fn func(), d time.Duration) {
	if !ps.later.after(d, fn) {
		ps.inst.cfg.logger.Warn("PullMessageServiceScheduledThread has shutdown")
	}
}

func (ps *pullService) take() (*pullRequest, bool) {
	for {
		ps.mu.Lock()
		if len(ps.queue) > 0 {
			r := ps.queue[0]
			ps.queue[0] = nil
			ps.queue = ps.queue[1:]
			if len(ps.queue) == 0 {
				ps.queue = nil
			}
			ps.mu.Unlock()
			return r, true
		}
		ps.mu.Unlock()
		select {
		case <-ps.ready:
		case <-ps.stopC:
			return nil, false
		}
	}
}

func (ps *pullService) run() {
	defer close(ps.done)
	for {
		r, ok := ps.take()
		if !ok {
			return
		}
		c, ok := ps.inst.selectConsumer(r.group)
		push, isPush := c.(*PushConsumer)
		if !ok || !isPush {
			ps.inst.cfg.logger.Warn("No matched consumer for the PullRequest " + r.String() + ", drop it")
			continue
		}
		push.pullMessage(r)
	}
}

// stop ends the service; queued and delayed requests are dropped.
func (ps *pullService) stop() {
	select {
	case <-ps.stopC:
	default:
		close(ps.stopC)
	}
	<-ps.done
	ps.later.stop()
}

// pullStatus is Java's PullStatus.
type pullStatus int

const (
	pullFound pullStatus = iota
	pullNoNewMsg
	pullNoMatchedMsg
	pullOffsetIllegal
)

func (s pullStatus) String() string {
	return [...]string{"FOUND", "NO_NEW_MSG", "NO_MATCHED_MSG", "OFFSET_ILLEGAL"}[s]
}

// pullResult is Java's PullResultExt.
type pullResult struct {
	status          pullStatus
	nextBeginOffset int64
	minOffset       int64
	maxOffset       int64
	suggestBrokerID int64
	msgs            []*MessageExt
	body            []byte
}

// pullArgs are pullKernelImpl's arguments.
type pullArgs struct {
	mq             MessageQueue
	subExpression  string // "" leaves the subscription out of the request
	expressionType string
	subVersion     int64
	offset         int64
	maxNums        int
	sysFlag        int32
	commitOffset   int64
	brokerSuspend  time.Duration
}

// pullTarget is the first half of pullKernelImpl: the broker to pull from (the one the last
// answer suggested, the master by default) and the request. A slave never gets the commit
// offset.
func (c *consumerCore) pullTarget(ctx context.Context, inst *instance, a pullArgs) (string, *remoting.Command, error) {
	fb, ok := inst.subscribeAddr(a.mq.BrokerName, c.pullNode(a.mq), false)
	if !ok {
		_, _ = inst.updateRoute(ctx, a.mq.Topic, nil)
		fb, ok = inst.subscribeAddr(a.mq.BrokerName, c.pullNode(a.mq), false)
	}
	if !ok {
		return "", nil, clientError(-1, "The broker["+a.mq.BrokerName+"] not exist", nil)
	}
	sysFlag := a.sysFlag
	if fb.slave {
		sysFlag &^= protocol.PullSysFlagCommitOffset
	}
	h := protocol.PullMessageRequestHeader{
		ConsumerGroup: c.cfg.group, Topic: a.mq.Topic, QueueID: int32(a.mq.QueueID), QueueOffset: a.offset,
		MaxMsgNums: int32(a.maxNums), SysFlag: sysFlag, CommitOffset: a.commitOffset,
		SuspendTimeoutMillis: a.brokerSuspend.Milliseconds(), Subscription: a.subExpression,
		SubVersion: a.subVersion, ExpressionType: a.expressionType, BrokerName: a.mq.BrokerName,
	}
	return fb.addr, inst.request(remoting.CodePullMessage, h, nil), nil
}

// pullNode is recalculatePullFromWhichNode.
func (c *consumerCore) pullNode(mq MessageQueue) int64 {
	if v, ok := c.pullNodes.Load(mq); ok {
		return v.(int64)
	}
	return protocol.MasterID
}

// processPullResponse is MQClientAPIImpl.processPullResponse: the four pull answers, any other
// code a BrokerError.
func processPullResponse(resp *remoting.Command, addr string) (*pullResult, error) {
	var st pullStatus
	switch resp.Code {
	case remoting.Success:
		st = pullFound
	case remoting.PullNotFound:
		st = pullNoNewMsg
	case remoting.PullRetryImmediately:
		st = pullNoMatchedMsg
	case remoting.PullOffsetMoved:
		st = pullOffsetIllegal
	default:
		return nil, &BrokerError{Code: resp.Code, Remark: resp.Remark, BrokerAddr: addr}
	}
	h, err := protocol.DecodePullMessageResponseHeader(resp.ExtFields)
	if err != nil {
		return nil, err
	}
	return &pullResult{status: st, nextBeginOffset: h.NextBeginOffset, minOffset: h.MinOffset, maxOffset: h.MaxOffset,
		suggestBrokerID: h.SuggestWhichBrokerID, body: resp.Body}, nil
}

// maxPulledBody bounds what a pulled body inflates to, so that a broken frame cannot take the
// process's memory.
const maxPulledBody = 64 << 20

// processPullResult is PullAPIWrapper.processPullResult: remember which broker to pull from
// next, decode the messages (their bodies inflated), keep those whose tag the subscription
// names, and give each its queue's MIN_OFFSET and MAX_OFFSET and its broker name.
func (c *consumerCore) processPullResult(mq MessageQueue, r *pullResult, sd *protocol.SubscriptionData) error {
	c.pullNodes.Store(mq, r.suggestBrokerID)
	body := r.body
	r.body = nil
	if r.status != pullFound {
		return nil
	}
	msgs, err := protocol.DecodeStoredMessages(body)
	if err != nil {
		return err
	}
	minOff, maxOff := strconv.FormatInt(r.minOffset, 10), strconv.FormatInt(r.maxOffset, 10)
	kept := msgs[:0]
	for _, m := range msgs {
		if !tagMatches(sd, m) {
			continue
		}
		if protocol.IsCompressed(m.SysFlag) {
			if b, err := m.UncompressedBody(maxPulledBody); err == nil {
				m.Body = b
			} else {
				c.cfg.logger.Warn("uncompress the pulled body failed", "msgId", m.MsgID, "err", err)
			}
		}
		if m.Properties == nil {
			m.Properties = map[string]string{}
		}
		m.Properties[protocol.PropertyMinOffset] = minOff
		m.Properties[protocol.PropertyMaxOffset] = maxOff
		m.RawProperties = ""
		m.BrokerName = mq.BrokerName
		kept = append(kept, m)
	}
	r.msgs = kept
	return nil
}
