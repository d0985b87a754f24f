package protocol

// What mqadmin reads of a broker's queues: a topic's offsets per queue (GET_TOPIC_STATS_INFO,
// 202, for topicStatus, topicRoute's neighbours, printMsg and the like) and a consumer group's
// progress per queue (GET_CONSUME_STATS, 208, for consumerProgress, brokerConsumeStats and
// resetOffsetByTime's old path). Both bodies are Java HashMaps keyed by MessageQueue, which
// fastjson writes with each queue's object as the key (see consumer_admin.go).

import (
	"maps"
	"slices"
)

// GetTopicStatsInfoRequestHeader is the header of GET_TOPIC_STATS_INFO (202).
type GetTopicStatsInfoRequestHeader struct {
	Topic string // required
}

var getTopicStatsInfoRequestFields = []string{FieldTopic}

func (h GetTopicStatsInfoRequestHeader) HeaderFields() []string {
	return getTopicStatsInfoRequestFields
}
func (h GetTopicStatsInfoRequestHeader) FastHeader() bool { return false }

func (h GetTopicStatsInfoRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetTopicStatsInfoRequestHeader) WriteExt(ext map[string]string) { ext[FieldTopic] = h.Topic }

func DecodeGetTopicStatsInfoRequestHeader(ext map[string]string) (GetTopicStatsInfoRequestHeader, error) {
	r := extReader{ext: ext, header: "GetTopicStatsInfoRequestHeader"}
	h := GetTopicStatsInfoRequestHeader{Topic: r.str(FieldTopic, true)}
	return h, r.result()
}

// GetConsumeStatsRequestHeader is the header of GET_CONSUME_STATS (208). Without a topic ("" is
// Java's null) the broker answers for every topic the group has offsets on.
type GetConsumeStatsRequestHeader struct {
	ConsumerGroup string // required
	Topic         string
}

var getConsumeStatsRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "GetConsumeStatsRequestHeader", []string{FieldConsumerGroup, FieldTopic}})

func (h GetConsumeStatsRequestHeader) HeaderFields() []string { return getConsumeStatsRequestFields }
func (h GetConsumeStatsRequestHeader) FastHeader() bool       { return false }

func (h GetConsumeStatsRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h GetConsumeStatsRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
	putOptString(ext, FieldTopic, h.Topic)
}

func DecodeGetConsumeStatsRequestHeader(ext map[string]string) (GetConsumeStatsRequestHeader, error) {
	r := extReader{ext: ext, header: "GetConsumeStatsRequestHeader"}
	h := GetConsumeStatsRequestHeader{
		ConsumerGroup: r.str(FieldConsumerGroup, true),
		Topic:         r.str(FieldTopic, false),
	}
	return h, r.result()
}

// TopicOffset is one queue of a TopicStatsTable: its min and max offsets, and the store time of
// its last message (0 for an empty queue).
type TopicOffset struct {
	MinOffset           int64
	MaxOffset           int64
	LastUpdateTimestamp int64
}

// TopicStatsTable is the body of a broker's answer to GET_TOPIC_STATS_INFO.
type TopicStatsTable struct {
	OffsetTable map[MessageQueue]TopicOffset
}

func (t *TopicStatsTable) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"offsetTable":{`)
	for i, mq := range queueMapOrder(t.OffsetTable) {
		o := t.OffsetTable[mq]
		w.comma(i)
		w.messageQueue(mq)
		w.raw(`:{"lastUpdateTimestamp":`)
		w.long(o.LastUpdateTimestamp)
		w.raw(`,"maxOffset":`)
		w.long(o.MaxOffset)
		w.raw(`,"minOffset":`)
		w.long(o.MinOffset)
		w.byte('}')
	}
	w.raw(`}}`)
	return w.buf
}

func DecodeTopicStatsTable(data []byte) (*TopicStatsTable, error) {
	t := &TopicStatsTable{OffsetTable: map[MessageQueue]TopicOffset{}}
	err := fjDecode(data, "TopicStatsTable", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "offsetTable" {
				return r.Skip()
			}
			return r.Object(func(key string) error {
				mq, err := queueKey(key)
				if err != nil {
					return err
				}
				var o TopicOffset
				err = r.Object(func(key string) error {
					var err error
					switch key {
					case "minOffset":
						o.MinOffset, err = r.Int64()
					case "maxOffset":
						o.MaxOffset, err = r.Int64()
					case "lastUpdateTimestamp":
						o.LastUpdateTimestamp, err = r.Int64()
					default:
						err = r.Skip()
					}
					return err
				})
				t.OffsetTable[mq] = o
				return err
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// OffsetWrapper is one queue of a ConsumeStats: the queue's max offset, the group's committed
// offset, and the store time of the last message the group consumed (0 when none).
type OffsetWrapper struct {
	BrokerOffset   int64
	ConsumerOffset int64
	LastTimestamp  int64
}

// ConsumeStats is the body of a broker's answer to GET_CONSUME_STATS.
type ConsumeStats struct {
	OffsetTable map[MessageQueue]OffsetWrapper
	ConsumeTps  float64
}

func (s *ConsumeStats) Encode() []byte {
	w := &fjWriter{}
	w.consumeStats(s)
	return w.buf
}

func (w *fjWriter) consumeStats(s *ConsumeStats) {
	w.raw(`{"consumeTps":`)
	w.double(s.ConsumeTps)
	w.raw(`,"offsetTable":{`)
	for i, mq := range queueMapOrder(s.OffsetTable) {
		o := s.OffsetTable[mq]
		w.comma(i)
		w.messageQueue(mq)
		w.raw(`:{"brokerOffset":`)
		w.long(o.BrokerOffset)
		w.raw(`,"consumerOffset":`)
		w.long(o.ConsumerOffset)
		w.raw(`,"lastTimestamp":`)
		w.long(o.LastTimestamp)
		w.byte('}')
	}
	w.raw(`}}`)
}

func DecodeConsumeStats(data []byte) (*ConsumeStats, error) {
	var s *ConsumeStats
	err := fjDecode(data, "ConsumeStats", func(r *fjReader) error {
		var err error
		s, err = r.consumeStats()
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (r *fjReader) consumeStats() (*ConsumeStats, error) {
	s := &ConsumeStats{OffsetTable: map[MessageQueue]OffsetWrapper{}}
	err := r.Object(func(key string) error {
		switch key {
		case "consumeTps":
			var err error
			s.ConsumeTps, err = r.double()
			return err
		case "offsetTable":
			return r.Object(func(key string) error {
				mq, err := queueKey(key)
				if err != nil {
					return err
				}
				var o OffsetWrapper
				err = r.Object(func(key string) error {
					var err error
					switch key {
					case "brokerOffset":
						o.BrokerOffset, err = r.Int64()
					case "consumerOffset":
						o.ConsumerOffset, err = r.Int64()
					case "lastTimestamp":
						o.LastTimestamp, err = r.Int64()
					default:
						err = r.Skip()
					}
					return err
				})
				s.OffsetTable[mq] = o
				return err
			})
		}
		return r.Skip()
	})
	return s, err
}

// TotalDiff is ConsumeStats.computeTotalDiff: the messages the group has yet to consume, summed
// over its queues.
func (s *ConsumeStats) TotalDiff() int64 {
	var d int64
	for _, o := range s.OffsetTable {
		d += o.BrokerOffset - o.ConsumerOffset
	}
	return d
}

// GetConsumeStatsInBrokerHeader is the header of GET_BROKER_CONSUME_STATS (317), mqadmin
// brokerConsumeStats. IsOrder keeps only the topics whose config is ordered. Java declares the
// field @CFNotNull, but its reflective decoder only logs a missing one, which stays false.
type GetConsumeStatsInBrokerHeader struct {
	IsOrder bool
}

var getConsumeStatsInBrokerFields = []string{FieldIsOrder}

func (h GetConsumeStatsInBrokerHeader) HeaderFields() []string { return getConsumeStatsInBrokerFields }
func (h GetConsumeStatsInBrokerHeader) FastHeader() bool       { return false }

func (h GetConsumeStatsInBrokerHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetConsumeStatsInBrokerHeader) WriteExt(ext map[string]string) {
	putBool(ext, FieldIsOrder, h.IsOrder)
}

func DecodeGetConsumeStatsInBrokerHeader(ext map[string]string) (GetConsumeStatsInBrokerHeader, error) {
	r := extReader{ext: ext, header: "GetConsumeStatsInBrokerHeader"}
	h := GetConsumeStatsInBrokerHeader{IsOrder: r.bool(FieldIsOrder, true)}
	return h, r.result()
}

// ConsumeStatsList is the body of a broker's answer to GET_BROKER_CONSUME_STATS: for each
// subscription group, a map (one key, the group, as the broker builds it) to the ConsumeStats
// of each topic the group has offsets on; the broker's address; and the sum of every
// ConsumeStats's TotalDiff.
type ConsumeStatsList struct {
	ConsumeStatsList []map[string][]*ConsumeStats
	BrokerAddr       string
	TotalDiff        int64
}

func (l *ConsumeStatsList) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"brokerAddr":`)
	w.string(l.BrokerAddr)
	w.raw(`,"consumeStatsList":[`)
	for i, groups := range l.ConsumeStatsList {
		w.comma(i)
		w.byte('{')
		for j, group := range JavaHashMapOrder(slices.Collect(maps.Keys(groups)), 16) {
			w.mapKey(j, group)
			w.byte('[')
			for k, s := range groups[group] {
				w.comma(k)
				w.consumeStats(s)
			}
			w.byte(']')
		}
		w.byte('}')
	}
	w.raw(`],"totalDiff":`)
	w.long(l.TotalDiff)
	w.byte('}')
	return w.buf
}

func DecodeConsumeStatsList(data []byte) (*ConsumeStatsList, error) {
	l := &ConsumeStatsList{}
	err := fjDecode(data, "ConsumeStatsList", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "brokerAddr":
				l.BrokerAddr, err = r.Str()
			case "totalDiff":
				l.TotalDiff, err = r.Int64()
			case "consumeStatsList":
				err = r.Array(func() error {
					groups := map[string][]*ConsumeStats{}
					l.ConsumeStatsList = append(l.ConsumeStatsList, groups)
					return r.Object(func(group string) error {
						list := []*ConsumeStats{}
						err := r.Array(func() error {
							s, err := r.consumeStats()
							list = append(list, s)
							return err
						})
						groups[group] = list
						return err
					})
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
	return l, nil
}

// QueryTopicConsumeByWhoRequestHeader is the header of QUERY_TOPIC_CONSUME_BY_WHO (300), which
// mqadmin's message queries send to list the groups that consume a topic.
type QueryTopicConsumeByWhoRequestHeader struct {
	Topic string // required
}

var queryTopicConsumeByWhoRequestFields = []string{FieldTopic}

func (h QueryTopicConsumeByWhoRequestHeader) HeaderFields() []string {
	return queryTopicConsumeByWhoRequestFields
}
func (h QueryTopicConsumeByWhoRequestHeader) FastHeader() bool { return false }

func (h QueryTopicConsumeByWhoRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h QueryTopicConsumeByWhoRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
}

func DecodeQueryTopicConsumeByWhoRequestHeader(ext map[string]string) (QueryTopicConsumeByWhoRequestHeader, error) {
	r := extReader{ext: ext, header: "QueryTopicConsumeByWhoRequestHeader"}
	h := QueryTopicConsumeByWhoRequestHeader{Topic: r.str(FieldTopic, true)}
	return h, r.result()
}

// GroupList is the body of a broker's answer to QUERY_TOPIC_CONSUME_BY_WHO: a HashSet of group
// names, listed in the order given (see JavaHashMapOrder).
type GroupList struct {
	Groups []string
}

func (g *GroupList) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"groupList":`)
	w.stringList(g.Groups)
	w.byte('}')
	return w.buf
}

func DecodeGroupList(data []byte) (*GroupList, error) {
	g := &GroupList{}
	err := fjDecode(data, "GroupList", func(r *fjReader) error {
		return r.Object(func(key string) error {
			if key != "groupList" {
				return r.Skip()
			}
			var err error
			g.Groups, err = r.StringList()
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// The statistics a broker samples (Java's Stats and BrokerStatsManager), by the name
// VIEW_BROKER_STATS_DATA asks for. Keys join their parts with "@": a topic; topic@group;
// topic@queueId; topic@queueId@group; queueId@topic@group for GROUP_GET_LATENCY; the cluster's
// name for the BROKER_ sums.
const (
	StatsTopicPutNums    = "TOPIC_PUT_NUMS"
	StatsTopicPutSize    = "TOPIC_PUT_SIZE"
	StatsQueuePutNums    = "QUEUE_PUT_NUMS"
	StatsQueuePutSize    = "QUEUE_PUT_SIZE"
	StatsQueueGetNums    = "QUEUE_GET_NUMS"
	StatsQueueGetSize    = "QUEUE_GET_SIZE"
	StatsGroupGetNums    = "GROUP_GET_NUMS"
	StatsGroupGetSize    = "GROUP_GET_SIZE"
	StatsGroupGetLatency = "GROUP_GET_LATENCY"
	StatsSendBackPutNums = "SNDBCK_PUT_NUMS"
	StatsBrokerPutNums   = "BROKER_PUT_NUMS"
	StatsBrokerGetNums   = "BROKER_GET_NUMS"
)

// ViewBrokerStatsDataRequestHeader is the header of VIEW_BROKER_STATS_DATA (315), mqadmin
// statsAll: one statistic by name and key. Java declares both fields @CFNotNull, but its
// reflective decoder only logs a missing one, which the broker then names as null.
type ViewBrokerStatsDataRequestHeader struct {
	StatsName string
	StatsKey  string
}

var viewBrokerStatsDataFields = []string{FieldStatsName, FieldStatsKey}

func (h ViewBrokerStatsDataRequestHeader) HeaderFields() []string { return viewBrokerStatsDataFields }
func (h ViewBrokerStatsDataRequestHeader) FastHeader() bool       { return false }

func (h ViewBrokerStatsDataRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h ViewBrokerStatsDataRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldStatsName] = h.StatsName
	ext[FieldStatsKey] = h.StatsKey
}

func DecodeViewBrokerStatsDataRequestHeader(ext map[string]string) (ViewBrokerStatsDataRequestHeader, error) {
	r := extReader{ext: ext, header: "ViewBrokerStatsDataRequestHeader"}
	h := ViewBrokerStatsDataRequestHeader{StatsName: r.str(FieldStatsName, true), StatsKey: r.str(FieldStatsKey, true)}
	return h, r.result()
}

// BrokerStatsItem is one window of a statistic: what it grew by between the window's first and
// last samples, that growth per second, and per call (0 when no call was counted).
type BrokerStatsItem struct {
	Sum   int64
	Tps   float64
	Avgpt float64
}

// BrokerStatsData is the body of a broker's answer to VIEW_BROKER_STATS_DATA: a statistic over
// its last minute, hour and day of samples.
type BrokerStatsData struct {
	StatsMinute BrokerStatsItem
	StatsHour   BrokerStatsItem
	StatsDay    BrokerStatsItem
}

func (d *BrokerStatsData) Encode() []byte {
	w := &fjWriter{}
	w.raw(`{"statsDay":`)
	w.brokerStatsItem(d.StatsDay)
	w.raw(`,"statsHour":`)
	w.brokerStatsItem(d.StatsHour)
	w.raw(`,"statsMinute":`)
	w.brokerStatsItem(d.StatsMinute)
	w.byte('}')
	return w.buf
}

func (w *fjWriter) brokerStatsItem(it BrokerStatsItem) {
	w.raw(`{"avgpt":`)
	w.double(it.Avgpt)
	w.raw(`,"sum":`)
	w.long(it.Sum)
	w.raw(`,"tps":`)
	w.double(it.Tps)
	w.byte('}')
}

func DecodeBrokerStatsData(data []byte) (*BrokerStatsData, error) {
	d := &BrokerStatsData{}
	err := fjDecode(data, "BrokerStatsData", func(r *fjReader) error {
		return r.Object(func(key string) error {
			switch key {
			case "statsMinute":
				return r.brokerStatsItem(&d.StatsMinute)
			case "statsHour":
				return r.brokerStatsItem(&d.StatsHour)
			case "statsDay":
				return r.brokerStatsItem(&d.StatsDay)
			}
			return r.Skip()
		})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (r *fjReader) brokerStatsItem(it *BrokerStatsItem) error {
	return r.Object(func(key string) error {
		var err error
		switch key {
		case "sum":
			it.Sum, err = r.Int64()
		case "tps":
			it.Tps, err = r.double()
		case "avgpt":
			it.Avgpt, err = r.double()
		default:
			err = r.Skip()
		}
		return err
	})
}
