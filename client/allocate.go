package client

import (
	"crypto/md5"
	"errors"
	"slices"
	"strconv"
)

// AllocateStrategy decides which of a topic's queues a member of a clustering consumer group
// consumes: Java's AllocateMessageQueueStrategy. Allocate is given every queue (sorted as Java's
// MessageQueue.compareTo: topic, broker, queue id) and every member's client id (sorted), and
// returns the queues of currentCID. Every member must get the same answer for a queue to be
// consumed by exactly one of them.
type AllocateStrategy interface {
	Name() string
	Allocate(group, currentCID string, mqAll []MessageQueue, cidAll []string) ([]MessageQueue, error)
}

// checkAllocate is AbstractAllocateMessageQueueStrategy.check, Java's texts included: false
// (and no error) when currentCID is not among the members, which Java logs as a bug and
// answers with nothing.
func checkAllocate(currentCID string, mqAll []MessageQueue, cidAll []string) (bool, error) {
	switch {
	case currentCID == "":
		return false, errors.New("currentCID is empty")
	case len(mqAll) == 0:
		return false, errors.New("mqAll is null or mqAll empty")
	case len(cidAll) == 0:
		return false, errors.New("cidAll is null or cidAll empty")
	}
	return slices.Contains(cidAll, currentCID), nil
}

// AllocateAveragely is Java's AllocateMessageQueueAveragely ("AVG"), the default: consecutive
// blocks, the first members taking one more when the queues do not divide evenly.
func AllocateAveragely() AllocateStrategy { return averagely{} }

type averagely struct{}

func (averagely) Name() string { return "AVG" }

func (averagely) Allocate(_, currentCID string, mqAll []MessageQueue, cidAll []string) ([]MessageQueue, error) {
	if ok, err := checkAllocate(currentCID, mqAll, cidAll); !ok {
		return nil, err
	}
	index := slices.Index(cidAll, currentCID)
	n, members := len(mqAll), len(cidAll)
	mod := n % members
	size := n / members
	switch {
	case n <= members:
		size = 1
	case mod > 0 && index < mod:
		size++
	}
	start := index*size + mod
	if mod > 0 && index < mod {
		start = index * size
	}
	var out []MessageQueue
	for i := range min(size, n-start) {
		out = append(out, mqAll[(start+i)%n])
	}
	return out, nil
}

// AllocateAveragelyByCircle is Java's AllocateMessageQueueAveragelyByCircle ("AVG_BY_CIRCLE"):
// queue i goes to member i mod the number of members.
func AllocateAveragelyByCircle() AllocateStrategy { return byCircle{} }

type byCircle struct{}

func (byCircle) Name() string { return "AVG_BY_CIRCLE" }

func (byCircle) Allocate(_, currentCID string, mqAll []MessageQueue, cidAll []string) ([]MessageQueue, error) {
	if ok, err := checkAllocate(currentCID, mqAll, cidAll); !ok {
		return nil, err
	}
	index := slices.Index(cidAll, currentCID)
	var out []MessageQueue
	for i := index; i < len(mqAll); i++ {
		if i%len(cidAll) == index {
			out = append(out, mqAll[i])
		}
	}
	return out, nil
}

// DefaultVirtualNodes is the number of points each member has on the ring of
// AllocateConsistentHash, as Java's no-argument AllocateMessageQueueConsistentHash.
const DefaultVirtualNodes = 10

// AllocateConsistentHash is Java's AllocateMessageQueueConsistentHash ("CONSISTENT_HASH") with
// its default MD5 hash: each member has virtualNodes points on a ring ("clientId-i"), each queue
// ("MessageQueue [topic=T, brokerName=B, queueId=N]") goes to the member of the first point at
// or after its own hash. A member leaving moves only its own queues. virtualNodes below 0 is
// Java's IllegalArgumentException: Allocate fails with "illegal virtualNodeCnt :N".
func AllocateConsistentHash(virtualNodes int) AllocateStrategy {
	return consistentHash{virtualNodes: virtualNodes}
}

type consistentHash struct{ virtualNodes int }

func (consistentHash) Name() string { return "CONSISTENT_HASH" }

func (c consistentHash) Allocate(_, currentCID string, mqAll []MessageQueue, cidAll []string) ([]MessageQueue, error) {
	if c.virtualNodes < 0 {
		return nil, errors.New("illegal virtualNodeCnt :" + strconv.Itoa(c.virtualNodes))
	}
	if ok, err := checkAllocate(currentCID, mqAll, cidAll); !ok {
		return nil, err
	}
	// The ring is a TreeMap<Long, node>: a later point on the same hash replaces an earlier one.
	ring := map[int64]string{}
	for _, cid := range cidAll {
		for i := range c.virtualNodes {
			ring[md5Hash(cid+"-"+strconv.Itoa(i))] = cid
		}
	}
	if len(ring) == 0 {
		return nil, nil
	}
	points := make([]int64, 0, len(ring))
	for h := range ring {
		points = append(points, h)
	}
	slices.Sort(points)
	var out []MessageQueue
	for _, mq := range mqAll {
		h := md5Hash(mq.javaString())
		i, _ := slices.BinarySearch(points, h)
		if i == len(points) {
			i = 0
		}
		if ring[points[i]] == currentCID {
			out = append(out, mq)
		}
	}
	return out, nil
}

// md5Hash is ConsistentHashRouter.MD5Hash: the first four bytes of the key's MD5, big-endian,
// as a non-negative long.
func md5Hash(key string) int64 {
	d := md5.Sum([]byte(key))
	return int64(d[0])<<24 | int64(d[1])<<16 | int64(d[2])<<8 | int64(d[3])
}

// javaString is MessageQueue.toString.
func (mq MessageQueue) javaString() string {
	return "MessageQueue [topic=" + mq.Topic + ", brokerName=" + mq.BrokerName + ", queueId=" + strconv.Itoa(mq.QueueID) + "]"
}

// AllocateByConfig is Java's AllocateMessageQueueByConfig ("CONFIG"): the member consumes the
// queues it is given, whatever the others do.
func AllocateByConfig(mqs ...MessageQueue) AllocateStrategy { return byConfig{mqs: slices.Clone(mqs)} }

type byConfig struct{ mqs []MessageQueue }

func (byConfig) Name() string { return "CONFIG" }

func (b byConfig) Allocate(_, _ string, _ []MessageQueue, _ []string) ([]MessageQueue, error) {
	return slices.Clone(b.mqs), nil
}
