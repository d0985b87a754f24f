package protocol

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rocketsim/rocketsim/internal/javamap"
)

// Permission bits of a topic or broker (Java PermName).
const (
	PermPriority int32 = 1 << 3
	PermRead     int32 = 1 << 2
	PermWrite    int32 = 1 << 1
	PermInherit  int32 = 1
)

// IsReadable reports whether perm lets consumers read.
func IsReadable(perm int32) bool { return perm&PermRead == PermRead }

// IsWriteable reports whether perm lets producers write; the Java client only routes sends to
// queues whose perm is writeable.
func IsWriteable(perm int32) bool { return perm&PermWrite == PermWrite }

// IsInherited reports the inherit bit, which marks TBW102 as a template for auto-created topics.
func IsInherited(perm int32) bool { return perm&PermInherit == PermInherit }

// PermString renders perm as the admin tools do: "RWX" with '-' for each missing bit of read,
// write and inherit (6 is "RW-"). The priority bit is not shown, as in Java.
func PermString(perm int32) string {
	b := []byte("---")
	if IsReadable(perm) {
		b[0] = 'R'
	}
	if IsWriteable(perm) {
		b[1] = 'W'
	}
	if IsInherited(perm) {
		b[2] = 'X'
	}
	return string(b)
}

// MasterID is the brokerId of a master in BrokerData.BrokerAddrs; slaves have other ids.
const MasterID int64 = 0

// QueueData is one broker's queues of a topic.
type QueueData struct {
	BrokerName     string
	ReadQueueNums  int32
	WriteQueueNums int32
	Perm           int32
	TopicSysFlag   int32
}

// BrokerData is one broker name (a master and its slaves) with its addresses by brokerId.
type BrokerData struct {
	Cluster     string
	BrokerName  string
	BrokerAddrs map[int64]string
}

// MasterAddr returns the master's address, the only one a producer sends to.
func (b *BrokerData) MasterAddr() (string, bool) {
	addr, ok := b.BrokerAddrs[MasterID]
	return addr, ok
}

// TopicRouteData is the name server's answer to GET_ROUTEINFO_BY_TOPIC.
type TopicRouteData struct {
	// OrderTopicConf is "brokerA:4;brokerB:8" for ordered topics (see ParseOrderTopicConf).
	// Java tells null from "", but clients treat both as "not ordered", so "" means absent.
	OrderTopicConf    string
	QueueDatas        []QueueData
	BrokerDatas       []BrokerData
	FilterServerTable map[string][]string // broker address -> filter server addresses
}

// standardRouteJSONSinceVersion is the ordinal of MQVersion.V4_9_4 in 4.9.7's enum (counted in
// the source: V4_9_4 is 401, V4_9_7 is 407, which the Java 4.9.7 client sends).
const standardRouteJSONSinceVersion int32 = 401

// WantsStandardRouteJSON reports how the 4.9.7 name server encodes a route answer for a request
// of the given header version and acceptStandardJsonOnly header field: standard JSON
// (TopicRouteData.Encode(true)) for V4_9_4 and later or when asked, fastjson's plain output with
// bare numeric keys otherwise (old clients, the official Go client at version 317).
func WantsStandardRouteJSON(requestVersion int32, acceptStandardJSONOnly bool) bool {
	return requestVersion >= standardRouteJSONSinceVersion || acceptStandardJSONOnly
}

// RouteJSONForm tells which of the name server's two encodings a route body is in, by its first
// non-empty brokerAddrs map: quoted keys ({"0":"addr"}) are the standard form, bare ones
// ({0:"addr"}) fastjson's plain one. known is false when no broker address tells (a route
// without brokers, or a body that is not a route); WantsStandardRouteJSON then says what a
// 4.9.7 name server chose. A proxy that rewrites a route answers in the form it was given.
func RouteJSONForm(body []byte) (standard, known bool) {
	const key = `"brokerAddrs":{`
	rest := body
	for {
		i := bytes.Index(rest, []byte(key))
		if i < 0 {
			return false, false
		}
		rest = bytes.TrimLeft(rest[i+len(key):], " \t\r\n")
		if len(rest) == 0 {
			return false, false
		}
		switch c := rest[0]; {
		case c == '"':
			return true, true
		case c == '-' || '0' <= c && c <= '9':
			return false, true
		}
	}
}

// TopicNotExistRemark is the remark of a name server's TOPIC_NOT_EXIST (17) answer to a route
// query for topic: RouteInfoManager's text and FAQUrl.suggestTodo(FAQUrl.APPLY_TOPIC_URL).
func TopicNotExistRemark(topic string) string {
	return "No topic route info in name server for the topic: " + topic +
		"\nSee http://rocketmq.apache.org/docs/faq/ for further details."
}

// Encode writes the route as the 4.9.7 name server does. standard selects the answer for new
// clients (fastjson with BrowserCompatible and MapSortField: quoted, sorted map keys, non-ASCII
// escaped as \uXXXX); otherwise plain fastjson, whose Map<Long,String> keys come out unquoted
// ({0:"addr"}) and whose maps iterate in Java HashMap order. Lists keep the order given (the
// name server's own order is its HashMap order; see JavaHashMapOrder). Nil lists and maps are
// written empty, as the name server never sends them null.
func (d *TopicRouteData) Encode(standard bool) []byte {
	w := &fjWriter{browserCompatible: standard}
	w.raw(`{"brokerDatas":[`)
	for i := range d.BrokerDatas {
		w.comma(i)
		// The name server answers with clones of its BrokerData, whose HashMap is presized
		// from its count; only sorted output ignores that.
		w.brokerData(&d.BrokerDatas[i], javamap.HashMapCloneTableSize(len(d.BrokerDatas[i].BrokerAddrs)))
	}
	w.raw(`],"filterServerTable":{`)
	var keys []string
	if standard {
		keys = javaStringKeys(d.FilterServerTable)
	} else {
		keys = JavaHashMapOrder(javaStringKeys(d.FilterServerTable), 16)
	}
	for i, k := range keys {
		w.mapKey(i, k)
		w.stringList(d.FilterServerTable[k])
	}
	w.byte('}')
	if d.OrderTopicConf != "" {
		w.raw(`,"orderTopicConf":`)
		w.string(d.OrderTopicConf)
	}
	w.raw(`,"queueDatas":[`)
	for i := range d.QueueDatas {
		w.comma(i)
		w.queueData(&d.QueueDatas[i])
	}
	w.raw(`]}`)
	return w.buf
}

// brokerData writes b; plain output lists addresses in the order of a HashMap with a table of
// size tableSize, sorted output (BrowserCompatible comes with MapSortField here) by brokerId.
func (w *fjWriter) brokerData(b *BrokerData, tableSize int) {
	var ids []int64
	if w.browserCompatible {
		ids = slices.Sorted(maps.Keys(b.BrokerAddrs))
	} else {
		ids = javaLongKeysHashOrder(b.BrokerAddrs, tableSize)
	}
	w.raw(`{"brokerAddrs":{`)
	for i, id := range ids {
		w.longKey(i, id)
		w.string(b.BrokerAddrs[id])
	}
	w.raw(`},"brokerName":`)
	w.string(b.BrokerName)
	w.raw(`,"cluster":`)
	w.string(b.Cluster)
	w.byte('}')
}

func (w *fjWriter) queueData(q *QueueData) {
	w.raw(`{"brokerName":`)
	w.string(q.BrokerName)
	w.raw(`,"perm":`)
	w.int(int64(q.Perm))
	w.raw(`,"readQueueNums":`)
	w.int(int64(q.ReadQueueNums))
	w.raw(`,"topicSysFlag":`)
	w.int(int64(q.TopicSysFlag))
	w.raw(`,"writeQueueNums":`)
	w.int(int64(q.WriteQueueNums))
	w.byte('}')
}

// DecodeTopicRouteData reads a route body in either of the name server's encodings, or any
// JSON fastjson would accept for it. Unknown fields are ignored; null fields read as absent.
func DecodeTopicRouteData(data []byte) (*TopicRouteData, error) {
	d := &TopicRouteData{}
	err := fjDecode(data, "TopicRouteData", func(r *fjReader) error {
		return r.Object(func(key string) error {
			var err error
			switch key {
			case "orderTopicConf":
				d.OrderTopicConf, err = r.Str()
			case "queueDatas":
				d.QueueDatas, err = r.queueDatas()
			case "brokerDatas":
				d.BrokerDatas, err = r.brokerDatas()
			case "filterServerTable":
				d.FilterServerTable, err = r.stringListMap()
			default:
				err = r.Skip()
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (r *fjReader) queueDatas() ([]QueueData, error) {
	var out []QueueData
	err := r.Array(func() error {
		var q QueueData
		err := r.Object(func(key string) error {
			var err error
			switch key {
			case "brokerName":
				q.BrokerName, err = r.Str()
			case "readQueueNums":
				q.ReadQueueNums, err = r.Int32()
			case "writeQueueNums":
				q.WriteQueueNums, err = r.Int32()
			case "perm":
				q.Perm, err = r.Int32()
			case "topicSysFlag":
				q.TopicSysFlag, err = r.Int32()
			default:
				err = r.Skip()
			}
			return err
		})
		out = append(out, q)
		return err
	})
	return out, err
}

func (r *fjReader) brokerDatas() ([]BrokerData, error) {
	var out []BrokerData
	err := r.Array(func() error {
		b, err := r.brokerData()
		out = append(out, b)
		return err
	})
	return out, err
}

func (r *fjReader) brokerData() (BrokerData, error) {
	var b BrokerData
	err := r.Object(func(key string) error {
		var err error
		switch key {
		case "cluster":
			b.Cluster, err = r.Str()
		case "brokerName":
			b.BrokerName, err = r.Str()
		case "brokerAddrs":
			b.BrokerAddrs, err = r.brokerAddrs()
		default:
			err = r.Skip()
		}
		return err
	})
	return b, err
}

// brokerAddrs reads a Map<Long,String> whose keys come bare ({0:"a"}) or quoted ({"0":"a"}).
func (r *fjReader) brokerAddrs() (map[int64]string, error) {
	out := map[int64]string{}
	err := r.Object(func(key string) error {
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return r.Errorf("brokerId %q is not a number", key)
		}
		addr, err := r.Str()
		out[id] = addr
		return err
	})
	return out, err
}

// stringListMap reads a Map<String,List<String>>.
func (r *fjReader) stringListMap() (map[string][]string, error) {
	out := map[string][]string{}
	err := r.Object(func(key string) error {
		list, err := r.StringList()
		out[key] = list
		return err
	})
	return out, err
}

// Clone returns a deep copy.
func (d *TopicRouteData) Clone() *TopicRouteData {
	if d == nil {
		return nil
	}
	c := &TopicRouteData{
		OrderTopicConf: d.OrderTopicConf,
		QueueDatas:     slices.Clone(d.QueueDatas),
	}
	if d.BrokerDatas != nil {
		c.BrokerDatas = make([]BrokerData, len(d.BrokerDatas))
		for i, b := range d.BrokerDatas {
			b.BrokerAddrs = maps.Clone(b.BrokerAddrs)
			c.BrokerDatas[i] = b
		}
	}
	if d.FilterServerTable != nil {
		c.FilterServerTable = make(map[string][]string, len(d.FilterServerTable))
		for k, v := range d.FilterServerTable {
			c.FilterServerTable[k] = slices.Clone(v)
		}
	}
	return c
}

// Equal compares two routes as the Java client does before it replaces its cached route: queue
// and broker lists are compared after a stable sort by broker name, nil and empty are alike,
// and a BrokerData's cluster is not compared (Java's BrokerData.equals leaves it out).
func (d *TopicRouteData) Equal(other *TopicRouteData) bool {
	if d == nil || other == nil {
		return d == other
	}
	if d.OrderTopicConf != other.OrderTopicConf {
		return false
	}
	queuesByName := func(x, y QueueData) int { return javamap.Compare(x.BrokerName, y.BrokerName) }
	qa := slices.SortedStableFunc(slices.Values(d.QueueDatas), queuesByName)
	qb := slices.SortedStableFunc(slices.Values(other.QueueDatas), queuesByName)
	if !slices.Equal(qa, qb) {
		return false
	}
	brokersByName := func(x, y BrokerData) int { return javamap.Compare(x.BrokerName, y.BrokerName) }
	ba := slices.SortedStableFunc(slices.Values(d.BrokerDatas), brokersByName)
	bb := slices.SortedStableFunc(slices.Values(other.BrokerDatas), brokersByName)
	if !slices.EqualFunc(ba, bb, func(x, y BrokerData) bool {
		return x.BrokerName == y.BrokerName && maps.Equal(x.BrokerAddrs, y.BrokerAddrs)
	}) {
		return false
	}
	return maps.EqualFunc(d.FilterServerTable, other.FilterServerTable, slices.Equal)
}

// RouteChanged reports whether a freshly fetched route differs from the cached one, as the Java
// client's topicRouteDataIsChange does: a missing route on either side counts as a change.
func RouteChanged(cached, fetched *TopicRouteData) bool {
	if cached == nil || fetched == nil {
		return true
	}
	return !cached.Equal(fetched)
}

// OrderTopicQueues is one broker's share of an ordered topic in an orderTopicConf string.
type OrderTopicQueues struct {
	BrokerName string
	QueueNums  int32
}

// ParseOrderTopicConf parses "brokerA:4;brokerB:8" as the Java client does when it builds the
// queues of an ordered topic: entries split on ';' (a trailing one is allowed), broker and count
// on ':' (anything after a second ':' is ignored, as Java ignores it). "" yields no entries.
func ParseOrderTopicConf(conf string) ([]OrderTopicQueues, error) {
	if conf == "" {
		return nil, nil
	}
	entries := splitLikeJava(conf, ";")
	out := make([]OrderTopicQueues, 0, len(entries))
	for _, entry := range entries {
		parts := splitLikeJava(entry, ":")
		if len(parts) < 2 {
			return nil, fmt.Errorf("orderTopicConf %q: entry %q is not broker:queueNums", conf, entry)
		}
		n, err := strconv.ParseInt(parts[1], 10, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("orderTopicConf %q: bad queue count %q", conf, parts[1])
		}
		out = append(out, OrderTopicQueues{BrokerName: parts[0], QueueNums: int32(n)})
	}
	return out, nil
}

// FormatOrderTopicConf is the inverse of ParseOrderTopicConf.
func FormatOrderTopicConf(queues []OrderTopicQueues) string {
	var sb strings.Builder
	for i, q := range queues {
		if i > 0 {
			sb.WriteByte(';')
		}
		sb.WriteString(q.BrokerName)
		sb.WriteByte(':')
		sb.WriteString(strconv.Itoa(int(q.QueueNums)))
	}
	return sb.String()
}

// splitLikeJava is Java's String.split with a literal separator: when the separator occurs,
// trailing empty strings are dropped, so "a;b;" has two entries, ";;" none, and ";a" still
// has an empty first one.
func splitLikeJava(s, sep string) []string {
	parts := strings.Split(s, sep)
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
