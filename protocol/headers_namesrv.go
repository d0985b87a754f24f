package protocol

// Headers of the requests brokers and clients send to the name server.

// GetRouteInfoRequestHeader is the header of GET_ROUTEINFO_BY_TOPIC (105).
type GetRouteInfoRequestHeader struct {
	Topic string // required
	// AcceptStandardJSONOnly asks for quoted brokerAddrs keys whatever the request's version;
	// nil when not sent (4.9.7 Java clients do not send it).
	AcceptStandardJSONOnly *bool
}

var getRouteInfoRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "GetRouteInfoRequestHeader", []string{FieldTopic, FieldAcceptStandardJSONOnly}})

func (h GetRouteInfoRequestHeader) HeaderFields() []string { return getRouteInfoRequestFields }
func (h GetRouteInfoRequestHeader) FastHeader() bool       { return false }

func (h GetRouteInfoRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h GetRouteInfoRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldTopic] = h.Topic
	putOptBool(ext, FieldAcceptStandardJSONOnly, h.AcceptStandardJSONOnly)
}

// StandardJSONOnly reports whether the request asked for standard JSON, nil counting as false.
func (h GetRouteInfoRequestHeader) StandardJSONOnly() bool {
	return h.AcceptStandardJSONOnly != nil && *h.AcceptStandardJSONOnly
}

func DecodeGetRouteInfoRequestHeader(ext map[string]string) (GetRouteInfoRequestHeader, error) {
	r := extReader{ext: ext, header: "GetRouteInfoRequestHeader"}
	h := GetRouteInfoRequestHeader{
		Topic:                  r.str(FieldTopic, true),
		AcceptStandardJSONOnly: r.optBool(FieldAcceptStandardJSONOnly),
	}
	return h, r.result()
}

// RegisterBrokerRequestHeader is the header of REGISTER_BROKER (103).
type RegisterBrokerRequestHeader struct {
	BrokerName   string // required
	BrokerAddr   string // required
	ClusterName  string // required
	HAServerAddr string // required
	BrokerID     int64  // required; 0 is the master
	Compressed   bool   // the body is zlib-compressed
	// BodyCRC32 is the CRC32 of the body as an int (see BodyCRC32); Java initialises the field
	// to 0, so it is always written.
	BodyCRC32 int32
}

var registerBrokerRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "RegisterBrokerRequestHeader", []string{
		FieldBrokerName, FieldBrokerAddr, FieldClusterName, FieldHAServerAddr, FieldBrokerID,
		FieldCompressed, FieldBodyCRC32,
	}})

func (h RegisterBrokerRequestHeader) HeaderFields() []string { return registerBrokerRequestFields }
func (h RegisterBrokerRequestHeader) FastHeader() bool       { return false }

func (h RegisterBrokerRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 7)
	h.WriteExt(ext)
	return ext
}

func (h RegisterBrokerRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldBrokerName] = h.BrokerName
	ext[FieldBrokerAddr] = h.BrokerAddr
	ext[FieldClusterName] = h.ClusterName
	ext[FieldHAServerAddr] = h.HAServerAddr
	putInt64(ext, FieldBrokerID, h.BrokerID)
	putBool(ext, FieldCompressed, h.Compressed)
	putInt32(ext, FieldBodyCRC32, h.BodyCRC32)
}

func DecodeRegisterBrokerRequestHeader(ext map[string]string) (RegisterBrokerRequestHeader, error) {
	r := extReader{ext: ext, header: "RegisterBrokerRequestHeader"}
	h := RegisterBrokerRequestHeader{
		BrokerName:   r.str(FieldBrokerName, true),
		BrokerAddr:   r.str(FieldBrokerAddr, true),
		ClusterName:  r.str(FieldClusterName, true),
		HAServerAddr: r.str(FieldHAServerAddr, true),
		BrokerID:     r.int64(FieldBrokerID, true),
		Compressed:   r.bool(FieldCompressed, false),
		BodyCRC32:    r.int32(FieldBodyCRC32, false),
	}
	return h, r.result()
}

// RegisterBrokerResponseHeader is the header of the answer to REGISTER_BROKER: for a slave,
// where its master is. Both are "" (absent) for a master.
type RegisterBrokerResponseHeader struct {
	HAServerAddr string
	MasterAddr   string
}

var registerBrokerResponseFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "RegisterBrokerResponseHeader", []string{FieldHAServerAddr, FieldMasterAddr}})

func (h RegisterBrokerResponseHeader) HeaderFields() []string { return registerBrokerResponseFields }
func (h RegisterBrokerResponseHeader) FastHeader() bool       { return false }

func (h RegisterBrokerResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 2)
	h.WriteExt(ext)
	return ext
}

func (h RegisterBrokerResponseHeader) WriteExt(ext map[string]string) {
	putOptString(ext, FieldHAServerAddr, h.HAServerAddr)
	putOptString(ext, FieldMasterAddr, h.MasterAddr)
}

func DecodeRegisterBrokerResponseHeader(ext map[string]string) (RegisterBrokerResponseHeader, error) {
	r := extReader{ext: ext, header: "RegisterBrokerResponseHeader"}
	h := RegisterBrokerResponseHeader{
		HAServerAddr: r.str(FieldHAServerAddr, false),
		MasterAddr:   r.str(FieldMasterAddr, false),
	}
	return h, r.result()
}

// UnRegisterBrokerRequestHeader is the header of UNREGISTER_BROKER (104).
type UnRegisterBrokerRequestHeader struct {
	BrokerName  string // required
	BrokerAddr  string // required
	ClusterName string // required
	BrokerID    int64  // required
}

var unRegisterBrokerRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "UnRegisterBrokerRequestHeader", []string{
		FieldBrokerName, FieldBrokerAddr, FieldClusterName, FieldBrokerID,
	}})

func (h UnRegisterBrokerRequestHeader) HeaderFields() []string { return unRegisterBrokerRequestFields }
func (h UnRegisterBrokerRequestHeader) FastHeader() bool       { return false }

func (h UnRegisterBrokerRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h UnRegisterBrokerRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldBrokerName] = h.BrokerName
	ext[FieldBrokerAddr] = h.BrokerAddr
	ext[FieldClusterName] = h.ClusterName
	putInt64(ext, FieldBrokerID, h.BrokerID)
}

func DecodeUnRegisterBrokerRequestHeader(ext map[string]string) (UnRegisterBrokerRequestHeader, error) {
	r := extReader{ext: ext, header: "UnRegisterBrokerRequestHeader"}
	h := UnRegisterBrokerRequestHeader{
		BrokerName:  r.str(FieldBrokerName, true),
		BrokerAddr:  r.str(FieldBrokerAddr, true),
		ClusterName: r.str(FieldClusterName, true),
		BrokerID:    r.int64(FieldBrokerID, true),
	}
	return h, r.result()
}

// QueryDataVersionRequestHeader is the header of QUERY_DATA_VERSION (322): a broker asks
// whether the name server holds its current topic table; the body is its DataVersion.
type QueryDataVersionRequestHeader struct {
	BrokerName  string // required
	BrokerAddr  string // required
	ClusterName string // required
	BrokerID    int64  // required
}

var queryDataVersionRequestFields = javaFieldSetOrder(
	javaClass{javaNamesrvPackage + "QueryDataVersionRequestHeader", []string{
		FieldBrokerName, FieldBrokerAddr, FieldClusterName, FieldBrokerID,
	}})

func (h QueryDataVersionRequestHeader) HeaderFields() []string { return queryDataVersionRequestFields }
func (h QueryDataVersionRequestHeader) FastHeader() bool       { return false }

func (h QueryDataVersionRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 4)
	h.WriteExt(ext)
	return ext
}

func (h QueryDataVersionRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldBrokerName] = h.BrokerName
	ext[FieldBrokerAddr] = h.BrokerAddr
	ext[FieldClusterName] = h.ClusterName
	putInt64(ext, FieldBrokerID, h.BrokerID)
}

func DecodeQueryDataVersionRequestHeader(ext map[string]string) (QueryDataVersionRequestHeader, error) {
	r := extReader{ext: ext, header: "QueryDataVersionRequestHeader"}
	h := QueryDataVersionRequestHeader{
		BrokerName:  r.str(FieldBrokerName, true),
		BrokerAddr:  r.str(FieldBrokerAddr, true),
		ClusterName: r.str(FieldClusterName, true),
		BrokerID:    r.int64(FieldBrokerID, true),
	}
	return h, r.result()
}

// QueryDataVersionResponseHeader answers QUERY_DATA_VERSION: Changed is true when the name
// server's version differs from the broker's, so the broker must register again.
type QueryDataVersionResponseHeader struct {
	Changed bool // required
}

var queryDataVersionResponseFields = []string{FieldChanged}

func (h QueryDataVersionResponseHeader) HeaderFields() []string {
	return queryDataVersionResponseFields
}
func (h QueryDataVersionResponseHeader) FastHeader() bool { return false }

func (h QueryDataVersionResponseHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h QueryDataVersionResponseHeader) WriteExt(ext map[string]string) {
	putBool(ext, FieldChanged, h.Changed)
}

func DecodeQueryDataVersionResponseHeader(ext map[string]string) (QueryDataVersionResponseHeader, error) {
	r := extReader{ext: ext, header: "QueryDataVersionResponseHeader"}
	h := QueryDataVersionResponseHeader{Changed: r.bool(FieldChanged, true)}
	return h, r.result()
}

// WritePermOfBrokerRequestHeader is the header of WIPE_WRITE_PERM_OF_BROKER (205) and
// ADD_WRITE_PERM_OF_BROKER (327), mqadmin wipeWritePerm and addWritePerm (Java's
// WipeWritePermOfBrokerRequestHeader and AddWritePermOfBrokerRequestHeader, alike).
type WritePermOfBrokerRequestHeader struct {
	BrokerName string // required
}

var writePermOfBrokerRequestFields = []string{FieldBrokerName}

func (h WritePermOfBrokerRequestHeader) HeaderFields() []string {
	return writePermOfBrokerRequestFields
}
func (h WritePermOfBrokerRequestHeader) FastHeader() bool { return false }

func (h WritePermOfBrokerRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h WritePermOfBrokerRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldBrokerName] = h.BrokerName
}

func DecodeWritePermOfBrokerRequestHeader(ext map[string]string) (WritePermOfBrokerRequestHeader, error) {
	r := extReader{ext: ext, header: "WritePermOfBrokerRequestHeader"}
	h := WritePermOfBrokerRequestHeader{BrokerName: r.str(FieldBrokerName, true)}
	return h, r.result()
}

// GetTopicsByClusterRequestHeader is the header of GET_TOPICS_BY_CLUSTER (224), which
// DefaultMQAdminExt.fetchTopicsByCLuster sends: the topics with queue data on the cluster's
// brokers.
type GetTopicsByClusterRequestHeader struct {
	Cluster string // required
}

// FieldCluster is the one field of GetTopicsByClusterRequestHeader (other headers say
// clusterName).
const FieldCluster = "cluster"

var getTopicsByClusterRequestFields = []string{FieldCluster}

func (h GetTopicsByClusterRequestHeader) HeaderFields() []string {
	return getTopicsByClusterRequestFields
}
func (h GetTopicsByClusterRequestHeader) FastHeader() bool { return false }

func (h GetTopicsByClusterRequestHeader) ToExt() map[string]string {
	ext := make(map[string]string, 1)
	h.WriteExt(ext)
	return ext
}

func (h GetTopicsByClusterRequestHeader) WriteExt(ext map[string]string) {
	ext[FieldCluster] = h.Cluster
}

func DecodeGetTopicsByClusterRequestHeader(ext map[string]string) (GetTopicsByClusterRequestHeader, error) {
	r := extReader{ext: ext, header: "GetTopicsByClusterRequestHeader"}
	h := GetTopicsByClusterRequestHeader{Cluster: r.str(FieldCluster, true)}
	return h, r.result()
}

// The answers' header fields: how many topics' queue data the name server changed.
const (
	FieldWipeTopicCount = "wipeTopicCount"
	FieldAddTopicCount  = "addTopicCount"
)
