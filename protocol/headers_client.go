package protocol

// Headers of client bookkeeping with brokers: leaving groups, and the consumer-group
// membership that rebalancing needs. HEART_BEAT (34) has no header, only a HeartbeatData body.

// UnregisterClientRequestHeader is the header of UNREGISTER_CLIENT (35). The Java client sends
// one per group it leaves, with just one of the two groups set.
type UnregisterClientRequestHeader struct {
	ClientID      string // required
	ProducerGroup string
	ConsumerGroup string
}

var unregisterClientRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "UnregisterClientRequestHeader", []string{
		FieldClientID, FieldProducerGroup, FieldConsumerGroup,
	}})

func (h UnregisterClientRequestHeader) HeaderFields() []string { return unregisterClientRequestFields }
func (h UnregisterClientRequestHeader) FastHeader() bool       { return false }

func (h UnregisterClientRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 3)
	h.WriteExt(ext)
	return ext
}

func (h UnregisterClientRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldClientID] = h.ClientID
	putOptString(ext, FieldProducerGroup, h.ProducerGroup)
	putOptString(ext, FieldConsumerGroup, h.ConsumerGroup)
}

func DecodeUnregisterClientRequestHeader(ext map[string]string) (UnregisterClientRequestHeader, error) {
	r := extReader{ext: ext, header: "UnregisterClientRequestHeader"}
	h := UnregisterClientRequestHeader{
		ClientID:      r.str(FieldClientID, true),
		ProducerGroup: r.str(FieldProducerGroup, false),
		ConsumerGroup: r.str(FieldConsumerGroup, false),
	}
	return h, r.result()
}

// GetConsumerListByGroupRequestHeader is the header of GET_CONSUMER_LIST_BY_GROUP (38).
type GetConsumerListByGroupRequestHeader struct {
	ConsumerGroup string // required
}

var consumerGroupFields = []string{FieldConsumerGroup}

func (h GetConsumerListByGroupRequestHeader) HeaderFields() []string { return consumerGroupFields }
func (h GetConsumerListByGroupRequestHeader) FastHeader() bool       { return false }

func (h GetConsumerListByGroupRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetConsumerListByGroupRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
}

func DecodeGetConsumerListByGroupRequestHeader(ext map[string]string) (GetConsumerListByGroupRequestHeader, error) {
	r := extReader{ext: ext, header: "GetConsumerListByGroupRequestHeader"}
	h := GetConsumerListByGroupRequestHeader{ConsumerGroup: r.str(FieldConsumerGroup, true)}
	return h, r.result()
}

// NotifyConsumerIdsChangedRequestHeader is the header of NOTIFY_CONSUMER_IDS_CHANGED (40),
// which a broker pushes to the members of a consumer group, oneway, when the group changes.
type NotifyConsumerIdsChangedRequestHeader struct {
	ConsumerGroup string // required
}

func (h NotifyConsumerIdsChangedRequestHeader) HeaderFields() []string { return consumerGroupFields }
func (h NotifyConsumerIdsChangedRequestHeader) FastHeader() bool       { return false }

func (h NotifyConsumerIdsChangedRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h NotifyConsumerIdsChangedRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
}

func DecodeNotifyConsumerIdsChangedRequestHeader(ext map[string]string) (NotifyConsumerIdsChangedRequestHeader, error) {
	r := extReader{ext: ext, header: "NotifyConsumerIdsChangedRequestHeader"}
	h := NotifyConsumerIdsChangedRequestHeader{ConsumerGroup: r.str(FieldConsumerGroup, true)}
	return h, r.result()
}

// CreateTopicRequestHeader is the header of UPDATE_AND_CREATE_TOPIC (17), which admin tools send
// to a broker.
type CreateTopicRequestHeader struct {
	Topic           string          // required
	DefaultTopic    string          // required; admin tools send TBW102
	ReadQueueNums   int32           // required
	WriteQueueNums  int32           // required
	Perm            int32           // required
	TopicFilterType TopicFilterType // required, and must name a Java TopicFilterType
	TopicSysFlag    *int32
	// Order is required; Java initialises it to false, so it is always written.
	Order bool
}

var createTopicRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "CreateTopicRequestHeader", []string{
		FieldTopic, FieldDefaultTopic, FieldReadQueueNums, FieldWriteQueueNums, FieldPerm,
		FieldTopicFilterType, FieldTopicSysFlag, FieldOrder,
	}})

func (h CreateTopicRequestHeader) HeaderFields() []string { return createTopicRequestFields }
func (h CreateTopicRequestHeader) FastHeader() bool       { return false }

func (h CreateTopicRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 8)
	h.WriteExt(ext)
	return ext
}

func (h CreateTopicRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	ext[FieldDefaultTopic] = h.DefaultTopic
	putInt32(ext, FieldReadQueueNums, h.ReadQueueNums)
	putInt32(ext, FieldWriteQueueNums, h.WriteQueueNums)
	putInt32(ext, FieldPerm, h.Perm)
	ext[FieldTopicFilterType] = string(h.TopicFilterType)
	putOptInt32(ext, FieldTopicSysFlag, h.TopicSysFlag)
	putBool(ext, FieldOrder, h.Order)
}

// DecodeCreateTopicRequestHeader also runs Java's checkFields: a topicFilterType that is not a
// TopicFilterType name fails with FieldInvalid and Java's text, which the broker sends back as
// the remark of a SYSTEM_ERROR.
func DecodeCreateTopicRequestHeader(ext map[string]string) (CreateTopicRequestHeader, error) {
	r := extReader{ext: ext, header: "CreateTopicRequestHeader"}
	h := CreateTopicRequestHeader{
		Topic:           r.str(FieldTopic, true),
		DefaultTopic:    r.str(FieldDefaultTopic, true),
		ReadQueueNums:   r.int32(FieldReadQueueNums, true),
		WriteQueueNums:  r.int32(FieldWriteQueueNums, true),
		Perm:            r.int32(FieldPerm, true),
		TopicFilterType: TopicFilterType(r.str(FieldTopicFilterType, true)),
		TopicSysFlag:    r.optInt32(FieldTopicSysFlag),
		Order:           r.bool(FieldOrder, true),
	}
	if v, ok := ext[FieldTopicFilterType]; ok && v != string(SingleTag) && v != string(MultiTag) {
		r.fail(FieldTopicFilterType, v, FieldInvalid, "topicFilterType = ["+v+"] value invalid")
	}
	return h, r.result()
}
