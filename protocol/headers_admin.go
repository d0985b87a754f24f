package protocol

// Headers of the admin requests mqadmin sends to brokers and name servers: deleting a topic,
// listing a group's connections, reading the broker's configuration, deleting a subscription
// group, and the requests about a group's consumers that a broker passes on to them (resetting
// offsets, their status, running info, consuming one message directly).

// DeleteTopicRequestHeader is the header of DELETE_TOPIC_IN_BROKER (215).
type DeleteTopicRequestHeader struct {
	Topic string // required
}

var deleteTopicRequestFields = []string{FieldTopic}

func (h DeleteTopicRequestHeader) HeaderFields() []string { return deleteTopicRequestFields }
func (h DeleteTopicRequestHeader) FastHeader() bool       { return false }

func (h DeleteTopicRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h DeleteTopicRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
}

func DecodeDeleteTopicRequestHeader(ext map[string]string) (DeleteTopicRequestHeader, error) {
	r := extReader{ext: ext, header: "DeleteTopicRequestHeader"}
	h := DeleteTopicRequestHeader{Topic: r.str(FieldTopic, true)}
	return h, r.result()
}

// DeleteTopicFromNamesrvRequestHeader is the header of DELETE_TOPIC_IN_NAMESRV (216). Without
// a cluster name ("" is Java's null) the name server forgets the topic on every broker.
type DeleteTopicFromNamesrvRequestHeader struct {
	Topic       string // required
	ClusterName string
}

var deleteTopicFromNamesrvRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "DeleteTopicFromNamesrvRequestHeader", []string{FieldTopic, FieldClusterName}})

func (h DeleteTopicFromNamesrvRequestHeader) HeaderFields() []string {
	return deleteTopicFromNamesrvRequestFields
}
func (h DeleteTopicFromNamesrvRequestHeader) FastHeader() bool { return false }

func (h DeleteTopicFromNamesrvRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h DeleteTopicFromNamesrvRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	putOptString(ext, FieldClusterName, h.ClusterName)
}

func DecodeDeleteTopicFromNamesrvRequestHeader(ext map[string]string) (DeleteTopicFromNamesrvRequestHeader, error) {
	r := extReader{ext: ext, header: "DeleteTopicFromNamesrvRequestHeader"}
	h := DeleteTopicFromNamesrvRequestHeader{
		Topic:       r.str(FieldTopic, true),
		ClusterName: r.str(FieldClusterName, false),
	}
	return h, r.result()
}

// GetProducerConnectionListRequestHeader is the header of GET_PRODUCER_CONNECTION_LIST (204).
type GetProducerConnectionListRequestHeader struct {
	ProducerGroup string // required
}

var getProducerConnectionListRequestFields = []string{FieldProducerGroup}

func (h GetProducerConnectionListRequestHeader) HeaderFields() []string {
	return getProducerConnectionListRequestFields
}
func (h GetProducerConnectionListRequestHeader) FastHeader() bool { return false }

func (h GetProducerConnectionListRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetProducerConnectionListRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldProducerGroup] = h.ProducerGroup
}

func DecodeGetProducerConnectionListRequestHeader(ext map[string]string) (GetProducerConnectionListRequestHeader, error) {
	r := extReader{ext: ext, header: "GetProducerConnectionListRequestHeader"}
	h := GetProducerConnectionListRequestHeader{ProducerGroup: r.str(FieldProducerGroup, true)}
	return h, r.result()
}

// GetConsumerConnectionListRequestHeader is the header of GET_CONSUMER_CONNECTION_LIST (203).
type GetConsumerConnectionListRequestHeader struct {
	ConsumerGroup string // required
}

var getConsumerConnectionListRequestFields = []string{FieldConsumerGroup}

func (h GetConsumerConnectionListRequestHeader) HeaderFields() []string {
	return getConsumerConnectionListRequestFields
}
func (h GetConsumerConnectionListRequestHeader) FastHeader() bool { return false }

func (h GetConsumerConnectionListRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetConsumerConnectionListRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
}

func DecodeGetConsumerConnectionListRequestHeader(ext map[string]string) (GetConsumerConnectionListRequestHeader, error) {
	r := extReader{ext: ext, header: "GetConsumerConnectionListRequestHeader"}
	h := GetConsumerConnectionListRequestHeader{ConsumerGroup: r.str(FieldConsumerGroup, true)}
	return h, r.result()
}

// GetBrokerConfigResponseHeader is the header of the answer to GET_BROKER_CONFIG (26): the
// version of the broker's configuration, a DataVersion as JSON (see DecodeDataVersion). The
// configuration itself is the body, as Java properties text (see DecodeJavaProperties).
type GetBrokerConfigResponseHeader struct {
	Version string // required
}

var getBrokerConfigResponseFields = []string{FieldVersion}

func (h GetBrokerConfigResponseHeader) HeaderFields() []string { return getBrokerConfigResponseFields }
func (h GetBrokerConfigResponseHeader) FastHeader() bool       { return false }

func (h GetBrokerConfigResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetBrokerConfigResponseHeader) WriteExt(ext map[string]string) {
	ext[FieldVersion] = h.Version
}

func DecodeGetBrokerConfigResponseHeader(ext map[string]string) (GetBrokerConfigResponseHeader, error) {
	r := extReader{ext: ext, header: "GetBrokerConfigResponseHeader"}
	h := GetBrokerConfigResponseHeader{Version: r.str(FieldVersion, true)}
	return h, r.result()
}

// extField keys of the consumer-side admin headers below.
const (
	FieldGroupName    = "groupName"
	FieldRemoveOffset = "removeOffset"
	FieldIsForce      = "isForce" // Java's field is isForce, so that is its key too
	FieldClientAddr   = "clientAddr"
	// FieldClientIDOfConsumer is the client id in GET_CONSUMER_RUNNING_INFO and
	// CONSUME_MESSAGE_DIRECTLY, spelled clientId there (UNREGISTER_CLIENT's is clientID).
	FieldClientIDOfConsumer = "clientId"
	FieldJstackEnable       = "jstackEnable"
)

// DeleteSubscriptionGroupRequestHeader is the header of DELETE_SUBSCRIPTIONGROUP (207). With
// RemoveOffset the broker forgets the group's consumer offsets too.
type DeleteSubscriptionGroupRequestHeader struct {
	GroupName    string // required
	RemoveOffset bool   // a primitive: always written, false when absent
}

var deleteSubscriptionGroupRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "DeleteSubscriptionGroupRequestHeader", []string{FieldGroupName, FieldRemoveOffset}})

func (h DeleteSubscriptionGroupRequestHeader) HeaderFields() []string {
	return deleteSubscriptionGroupRequestFields
}
func (h DeleteSubscriptionGroupRequestHeader) FastHeader() bool { return false }

func (h DeleteSubscriptionGroupRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h DeleteSubscriptionGroupRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldGroupName] = h.GroupName
	putBool(ext, FieldRemoveOffset, h.RemoveOffset)
}

func DecodeDeleteSubscriptionGroupRequestHeader(ext map[string]string) (DeleteSubscriptionGroupRequestHeader, error) {
	r := extReader{ext: ext, header: "DeleteSubscriptionGroupRequestHeader"}
	h := DeleteSubscriptionGroupRequestHeader{
		GroupName:    r.str(FieldGroupName, true),
		RemoveOffset: r.bool(FieldRemoveOffset, false),
	}
	return h, r.result()
}

// ResetOffsetRequestHeader is the header of INVOKE_BROKER_TO_RESET_OFFSET (222), which mqadmin
// resetOffsetByTime sends a broker, and of the RESET_CONSUMER_CLIENT_OFFSET (220) the broker
// then sends the group's consumers (IsForce false there). Timestamp -1 means the end of each
// queue.
type ResetOffsetRequestHeader struct {
	Topic     string // required
	Group     string // required
	Timestamp int64  // required, ms since the epoch
	IsForce   bool   // required: reset even to an offset past the committed one
}

var resetOffsetRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "ResetOffsetRequestHeader", []string{FieldTopic, FieldGroup, FieldTimestamp, FieldIsForce}})

func (h ResetOffsetRequestHeader) HeaderFields() []string { return resetOffsetRequestFields }
func (h ResetOffsetRequestHeader) FastHeader() bool       { return false }

func (h ResetOffsetRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h ResetOffsetRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	ext[FieldGroup] = h.Group
	putInt64(ext, FieldTimestamp, h.Timestamp)
	putBool(ext, FieldIsForce, h.IsForce)
}

func DecodeResetOffsetRequestHeader(ext map[string]string) (ResetOffsetRequestHeader, error) {
	r := extReader{ext: ext, header: "ResetOffsetRequestHeader"}
	h := ResetOffsetRequestHeader{
		Topic:     r.str(FieldTopic, true),
		Group:     r.str(FieldGroup, true),
		Timestamp: r.int64(FieldTimestamp, true),
		IsForce:   r.bool(FieldIsForce, true),
	}
	return h, r.result()
}

// GetConsumerStatusRequestHeader is the header of INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223)
// and of the GET_CONSUMER_STATUS_FROM_CLIENT (221) the broker then sends the group's
// consumers. ClientAddr, a client id despite its name, limits the broker to that consumer.
type GetConsumerStatusRequestHeader struct {
	Topic      string // required
	Group      string // required
	ClientAddr string
}

var getConsumerStatusRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "GetConsumerStatusRequestHeader", []string{FieldTopic, FieldGroup, FieldClientAddr}})

func (h GetConsumerStatusRequestHeader) HeaderFields() []string {
	return getConsumerStatusRequestFields
}
func (h GetConsumerStatusRequestHeader) FastHeader() bool { return false }

func (h GetConsumerStatusRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 3)
	h.WriteExt(ext)
	return ext
}

func (h GetConsumerStatusRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	ext[FieldGroup] = h.Group
	putOptString(ext, FieldClientAddr, h.ClientAddr)
}

func DecodeGetConsumerStatusRequestHeader(ext map[string]string) (GetConsumerStatusRequestHeader, error) {
	r := extReader{ext: ext, header: "GetConsumerStatusRequestHeader"}
	h := GetConsumerStatusRequestHeader{
		Topic:      r.str(FieldTopic, true),
		Group:      r.str(FieldGroup, true),
		ClientAddr: r.str(FieldClientAddr, false),
	}
	return h, r.result()
}

// GetConsumerRunningInfoRequestHeader is the header of GET_CONSUMER_RUNNING_INFO (307), from
// mqadmin to a broker and from the broker on to the consumer ClientID.
type GetConsumerRunningInfoRequestHeader struct {
	ConsumerGroup string // required
	ClientID      string // required
	JstackEnable  bool   // a primitive: always written
}

var getConsumerRunningInfoRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "GetConsumerRunningInfoRequestHeader", []string{
		FieldConsumerGroup, FieldClientIDOfConsumer, FieldJstackEnable,
	}})

func (h GetConsumerRunningInfoRequestHeader) HeaderFields() []string {
	return getConsumerRunningInfoRequestFields
}
func (h GetConsumerRunningInfoRequestHeader) FastHeader() bool { return false }

func (h GetConsumerRunningInfoRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 3)
	h.WriteExt(ext)
	return ext
}

func (h GetConsumerRunningInfoRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
	ext[FieldClientIDOfConsumer] = h.ClientID
	putBool(ext, FieldJstackEnable, h.JstackEnable)
}

func DecodeGetConsumerRunningInfoRequestHeader(ext map[string]string) (GetConsumerRunningInfoRequestHeader, error) {
	r := extReader{ext: ext, header: "GetConsumerRunningInfoRequestHeader"}
	h := GetConsumerRunningInfoRequestHeader{
		ConsumerGroup: r.str(FieldConsumerGroup, true),
		ClientID:      r.str(FieldClientIDOfConsumer, true),
		JstackEnable:  r.bool(FieldJstackEnable, false),
	}
	return h, r.result()
}

// ConsumeMessageDirectlyResultRequestHeader is the header of CONSUME_MESSAGE_DIRECTLY (309):
// mqadmin names the consumer and the message (an offset message id); the broker adds its
// BrokerName and the stored message as the body, and sends it on to the consumer.
type ConsumeMessageDirectlyResultRequestHeader struct {
	ConsumerGroup string // required
	ClientID      string
	MsgID         string
	BrokerName    string
}

var consumeMessageDirectlyRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "ConsumeMessageDirectlyResultRequestHeader", []string{
		FieldConsumerGroup, FieldClientIDOfConsumer, FieldMsgID, FieldBrokerName,
	}})

func (h ConsumeMessageDirectlyResultRequestHeader) HeaderFields() []string {
	return consumeMessageDirectlyRequestFields
}
func (h ConsumeMessageDirectlyResultRequestHeader) FastHeader() bool { return false }

func (h ConsumeMessageDirectlyResultRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h ConsumeMessageDirectlyResultRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldConsumerGroup] = h.ConsumerGroup
	putOptString(ext, FieldClientIDOfConsumer, h.ClientID)
	putOptString(ext, FieldMsgID, h.MsgID)
	putOptString(ext, FieldBrokerName, h.BrokerName)
}

func DecodeConsumeMessageDirectlyResultRequestHeader(ext map[string]string) (ConsumeMessageDirectlyResultRequestHeader, error) {
	r := extReader{ext: ext, header: "ConsumeMessageDirectlyResultRequestHeader"}
	h := ConsumeMessageDirectlyResultRequestHeader{
		ConsumerGroup: r.str(FieldConsumerGroup, true),
		ClientID:      r.str(FieldClientIDOfConsumer, false),
		MsgID:         r.str(FieldMsgID, false),
		BrokerName:    r.str(FieldBrokerName, false),
	}
	return h, r.result()
}

// GetAllProducerInfoRequestHeader is the header of GET_ALL_PRODUCER_INFO (328, mqadmin producer):
// a class without fields, so the request carries empty extFields.
type GetAllProducerInfoRequestHeader struct{}

func (h GetAllProducerInfoRequestHeader) HeaderFields() []string { return nil }
func (h GetAllProducerInfoRequestHeader) FastHeader() bool       { return false }

func (h GetAllProducerInfoRequestHeader) ToExt() map[string]string { return map[string]string{} }

func (h GetAllProducerInfoRequestHeader) WriteExt(map[string]string) {}

// DecodeGetAllProducerInfoRequestHeader reads nothing: the class has no fields.
func DecodeGetAllProducerInfoRequestHeader(map[string]string) (GetAllProducerInfoRequestHeader, error) {
	return GetAllProducerInfoRequestHeader{}, nil
}

// Field names of QueryConsumeQueueRequestHeader.
const (
	FieldIndex = "index"
	FieldCount = "count"
)

// QueryConsumeQueueRequestHeader is the header of QUERY_CONSUME_QUEUE (321, mqadmin queryCq):
// Count entries of a queue's consume queue from entry Index, and with ConsumerGroup ("" is
// Java's null) the group's subscription to the topic. No field is @CFNotNull: a missing number
// stays 0, a missing topic null.
type QueryConsumeQueueRequestHeader struct {
	Topic         string
	QueueID       int32
	Index         int64
	Count         int32
	ConsumerGroup string
}

var queryConsumeQueueRequestFields = javaFieldSetOrder(
	javaClass{javaHeaderPackage + "QueryConsumeQueueRequestHeader", []string{
		FieldTopic, FieldQueueID, FieldIndex, FieldCount, FieldConsumerGroup}})

func (h QueryConsumeQueueRequestHeader) HeaderFields() []string {
	return queryConsumeQueueRequestFields
}
func (h QueryConsumeQueueRequestHeader) FastHeader() bool { return false }

func (h QueryConsumeQueueRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 5)
	h.WriteExt(ext)
	return ext
}

func (h QueryConsumeQueueRequestHeader) WriteExt(ext map[string]string) {
	putOptString(ext, FieldTopic, h.Topic)
	putInt32(ext, FieldQueueID, h.QueueID)
	putInt64(ext, FieldIndex, h.Index)
	putInt32(ext, FieldCount, h.Count)
	putOptString(ext, FieldConsumerGroup, h.ConsumerGroup)
}

func DecodeQueryConsumeQueueRequestHeader(ext map[string]string) (QueryConsumeQueueRequestHeader, error) {
	r := extReader{ext: ext, header: "QueryConsumeQueueRequestHeader"}
	h := QueryConsumeQueueRequestHeader{
		Topic:         r.str(FieldTopic, false),
		QueueID:       r.int32(FieldQueueID, false),
		Index:         r.int64(FieldIndex, false),
		Count:         r.int32(FieldCount, false),
		ConsumerGroup: r.str(FieldConsumerGroup, false),
	}
	return h, r.result()
}
