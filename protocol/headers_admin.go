package protocol

// Headers of the admin requests mqadmin sends to brokers and name servers: deleting a topic,
// listing a group's connections, reading the broker's configuration.

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
