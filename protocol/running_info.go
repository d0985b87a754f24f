package protocol

// ConsumerRunningInfo: a consumer's answer to GET_CONSUMER_RUNNING_INFO (307), which a broker
// passes back to mqadmin byte for byte (mqadmin consumerStatus prints it).

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// Keys of ConsumerRunningInfo.Properties that Java consumers set beside their configuration.
const (
	RunningInfoNameServerAddr = "PROP_NAMESERVER_ADDR"
	RunningInfoThreadPoolSize = "PROP_THREADPOOL_CORE_SIZE"
	RunningInfoConsumeOrderly = "PROP_CONSUMEORDERLY"
	RunningInfoConsumeType    = "PROP_CONSUME_TYPE"
	RunningInfoClientVersion  = "PROP_CLIENT_VERSION"
	RunningInfoStartTimestamp = "PROP_CONSUMER_START_TIMESTAMP"
)

// ConsumerRunningInfo is what a consumer tells about itself: its settings (Properties, every
// value a string as in a Java Properties), what it subscribes to, each queue it holds and how
// far it got there (MQTable), and rates per topic (StatusTable).
type ConsumerRunningInfo struct {
	Properties      map[string]string
	SubscriptionSet []SubscriptionData
	MQTable         map[MessageQueue]ProcessQueueInfo
	StatusTable     map[string]ConsumeStatus
	Jstack          string // "" is Java's null: only asked for with jstackEnable
}

// ProcessQueueInfo is one queue a consumer holds: its committed offset, what it has cached and
// not consumed yet, and its lock (orderly consumers).
type ProcessQueueInfo struct {
	CommitOffset            int64
	CachedMsgMinOffset      int64
	CachedMsgMaxOffset      int64
	CachedMsgCount          int32
	CachedMsgSizeInMiB      int32
	TransactionMsgMinOffset int64
	TransactionMsgMaxOffset int64
	TransactionMsgCount     int32
	Locked                  bool
	TryUnlockTimes          int64
	LastLockTimestamp       int64
	Droped                  bool // Java's spelling
	LastPullTimestamp       int64
	LastConsumeTimestamp    int64
}

// ConsumeStatus is a consumer's rates for one topic: pull and consume response times (ms) and
// throughput (per second), and the messages it failed to consume in the last hour.
type ConsumeStatus struct {
	PullRT            float64
	PullTPS           float64
	ConsumeRT         float64
	ConsumeOKTPS      float64
	ConsumeFailedTPS  float64
	ConsumeFailedMsgs int64
}

// Encode writes the info as a Java consumer does: properties in its Properties' order,
// subscriptions, queues and topics in its TreeSet's and TreeMaps' orders.
func (c *ConsumerRunningInfo) Encode() []byte {
	w := &fjWriter{}
	w.byte('{')
	n := 0
	if c.Jstack != "" {
		w.field(n, "jstack")
		w.string(c.Jstack)
		n++
	}
	w.field(n, "mqTable")
	w.byte('{')
	for i, mq := range slices.SortedFunc(maps.Keys(c.MQTable), CompareMessageQueues) {
		w.comma(i)
		w.messageQueue(mq)
		w.byte(':')
		w.processQueueInfo(c.MQTable[mq])
	}
	w.raw(`},"properties":{`)
	for i, k := range javaPropertiesOrder(javaStringKeys(c.Properties)) {
		w.mapKey(i, k)
		w.string(c.Properties[k])
	}
	w.raw(`},"statusTable":{`)
	for i, topic := range javaStringKeys(c.StatusTable) {
		w.mapKey(i, topic)
		w.consumeStatus(c.StatusTable[topic])
	}
	w.raw(`},"subscriptionSet":[`)
	subs := slices.Clone(c.SubscriptionSet)
	slices.SortStableFunc(subs, func(a, b SubscriptionData) int {
		return javamap.Compare(a.Topic+"@"+a.SubString, b.Topic+"@"+b.SubString)
	})
	for i := range subs {
		w.comma(i)
		w.subscriptionData(&subs[i])
	}
	w.raw(`]}`)
	return w.buf
}

func (w *fjWriter) processQueueInfo(p ProcessQueueInfo) {
	w.raw(`{"cachedMsgCount":`)
	w.int(int64(p.CachedMsgCount))
	w.raw(`,"cachedMsgMaxOffset":`)
	w.long(p.CachedMsgMaxOffset)
	w.raw(`,"cachedMsgMinOffset":`)
	w.long(p.CachedMsgMinOffset)
	w.raw(`,"cachedMsgSizeInMiB":`)
	w.int(int64(p.CachedMsgSizeInMiB))
	w.raw(`,"commitOffset":`)
	w.long(p.CommitOffset)
	w.raw(`,"droped":`)
	w.bool(p.Droped)
	w.raw(`,"lastConsumeTimestamp":`)
	w.long(p.LastConsumeTimestamp)
	w.raw(`,"lastLockTimestamp":`)
	w.long(p.LastLockTimestamp)
	w.raw(`,"lastPullTimestamp":`)
	w.long(p.LastPullTimestamp)
	w.raw(`,"locked":`)
	w.bool(p.Locked)
	w.raw(`,"transactionMsgCount":`)
	w.int(int64(p.TransactionMsgCount))
	w.raw(`,"transactionMsgMaxOffset":`)
	w.long(p.TransactionMsgMaxOffset)
	w.raw(`,"transactionMsgMinOffset":`)
	w.long(p.TransactionMsgMinOffset)
	w.raw(`,"tryUnlockTimes":`)
	w.long(p.TryUnlockTimes)
	w.byte('}')
}

func (w *fjWriter) consumeStatus(s ConsumeStatus) {
	w.raw(`{"consumeFailedMsgs":`)
	w.long(s.ConsumeFailedMsgs)
	w.raw(`,"consumeFailedTPS":`)
	w.double(s.ConsumeFailedTPS)
	w.raw(`,"consumeOKTPS":`)
	w.double(s.ConsumeOKTPS)
	w.raw(`,"consumeRT":`)
	w.double(s.ConsumeRT)
	w.raw(`,"pullRT":`)
	w.double(s.PullRT)
	w.raw(`,"pullTPS":`)
	w.double(s.PullTPS)
	w.byte('}')
}

// double writes a Java double as fastjson does (its Ryu port): the shortest digits that read
// back to the same value, in Double.toString's layout (1.0, 0.001, 1.0E7, 1.0E-4); NaN and the
// infinities as null.
func (w *fjWriter) double(v float64) {
	w.raw(javaDouble(v))
}

// JavaDouble writes a double as Java's String.valueOf does for the values a fake's counters
// take (fastjson's shortest digits, which agree with Double.toString there).
func JavaDouble(v float64) string { return javaDouble(v) }

func javaDouble(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "null"
	case v == 0:
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(v); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	// d.ddde±XX: Java writes the mantissa with at least one decimal and the exponent bare.
	s := strconv.FormatFloat(v, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// javaPropertiesOrder lists keys, put in that order into a java.util.Properties, in the order
// it iterates them: since Java 9 a Properties keeps its entries in a ConcurrentHashMap of
// capacity 8.
func javaPropertiesOrder(keys []string) []string {
	out := slices.Clone(keys)
	javamap.OrderInTable(out, javamap.ConcurrentHashMapTableSize(8, len(out)))
	return out
}

// DecodeConsumerRunningInfo reads the info from any consumer (the Java client's, the official
// Go client's). Doubles given as strings read as their value; null as 0.
func DecodeConsumerRunningInfo(data []byte) (*ConsumerRunningInfo, error) {
	c := &ConsumerRunningInfo{
		Properties: map[string]string{}, MQTable: map[MessageQueue]ProcessQueueInfo{}, StatusTable: map[string]ConsumeStatus{},
	}
	err := fjDecode(data, "ConsumerRunningInfo", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "jstack":
				c.Jstack, err = r.Str()
			case "properties":
				err = r.Object(func(k string) error {
					v, err := r.Str()
					c.Properties[k] = v
					return err
				})
			case "subscriptionSet":
				err = r.Array(func() error {
					sd, err := r.subscriptionData()
					c.SubscriptionSet = append(c.SubscriptionSet, sd)
					return err
				})
			case "mqTable":
				err = r.Object(func(k string) error {
					mq, err := queueKey(k)
					if err != nil {
						return err
					}
					c.MQTable[mq], err = r.processQueueInfo()
					return err
				})
			case "statusTable":
				err = r.Object(func(topic string) error {
					s, err := r.consumeStatus()
					c.StatusTable[topic] = s
					return err
				})
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (r *fjReader) processQueueInfo() (ProcessQueueInfo, error) {
	var p ProcessQueueInfo
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "commitOffset":
			p.CommitOffset, err = r.Int64()
		case "cachedMsgMinOffset":
			p.CachedMsgMinOffset, err = r.Int64()
		case "cachedMsgMaxOffset":
			p.CachedMsgMaxOffset, err = r.Int64()
		case "cachedMsgCount":
			p.CachedMsgCount, err = r.Int32()
		case "cachedMsgSizeInMiB":
			p.CachedMsgSizeInMiB, err = r.Int32()
		case "transactionMsgMinOffset":
			p.TransactionMsgMinOffset, err = r.Int64()
		case "transactionMsgMaxOffset":
			p.TransactionMsgMaxOffset, err = r.Int64()
		case "transactionMsgCount":
			p.TransactionMsgCount, err = r.Int32()
		case "locked":
			p.Locked, err = r.Bool()
		case "tryUnlockTimes":
			p.TryUnlockTimes, err = r.Int64()
		case "lastLockTimestamp":
			p.LastLockTimestamp, err = r.Int64()
		case "droped":
			p.Droped, err = r.Bool()
		case "lastPullTimestamp":
			p.LastPullTimestamp, err = r.Int64()
		case "lastConsumeTimestamp":
			p.LastConsumeTimestamp, err = r.Int64()
		default:
			err = r.Skip()
		}
		return err
	})
	return p, err
}

func (r *fjReader) consumeStatus() (ConsumeStatus, error) {
	var s ConsumeStatus
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "pullRT":
			s.PullRT, err = r.double()
		case "pullTPS":
			s.PullTPS, err = r.double()
		case "consumeRT":
			s.ConsumeRT, err = r.double()
		case "consumeOKTPS":
			s.ConsumeOKTPS, err = r.double()
		case "consumeFailedTPS":
			s.ConsumeFailedTPS, err = r.double()
		case "consumeFailedMsgs":
			s.ConsumeFailedMsgs, err = r.Int64()
		default:
			err = r.Skip()
		}
		return err
	})
	return s, err
}

// double reads a Java double: a number, or a string holding one; null reads as 0. NaN and
// the infinities, which fastjson writes as null, are refused.
func (r *fjReader) double() (float64, error) {
	text, ok, err := r.Scalar()
	if err != nil || !ok {
		return 0, err
	}
	v, perr := strconv.ParseFloat(text, 64)
	if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, r.Errorf("bad double %q", text)
	}
	return v, nil
}
