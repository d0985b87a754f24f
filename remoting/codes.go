package remoting

// Request codes (Java: common/protocol/RequestCode.java at rocketmq-all-4.9.7). Only the codes
// rocketsim's peers send or serve are named here; any other code still travels unchanged.
const (
	CodeSendMessage              int32 = 10
	CodePullMessage              int32 = 11
	CodeQueryMessage             int32 = 12
	CodeQueryConsumerOffset      int32 = 14
	CodeUpdateConsumerOffset     int32 = 15
	CodeUpdateAndCreateTopic     int32 = 17
	CodeGetAllTopicConfig        int32 = 21
	CodeUpdateBrokerConfig       int32 = 25
	CodeGetBrokerConfig          int32 = 26
	CodeGetBrokerRuntimeInfo     int32 = 28
	CodeSearchOffsetByTimestamp  int32 = 29
	CodeGetMaxOffset             int32 = 30
	CodeGetMinOffset             int32 = 31
	CodeViewMessageByID          int32 = 33
	CodeHeartBeat                int32 = 34
	CodeUnregisterClient         int32 = 35
	CodeConsumerSendMsgBack      int32 = 36
	CodeEndTransaction           int32 = 37
	CodeGetConsumerListByGroup   int32 = 38
	CodeCheckTransactionState    int32 = 39
	CodeNotifyConsumerIDsChanged int32 = 40
	CodeLockBatchMQ              int32 = 41
	CodeUnlockBatchMQ            int32 = 42
	// The ACL admin codes (50 to 54) are served by a broker with aclEnable=true, through its
	// PlainAccessValidator; Permission.ADMIN_CODE does not list them, so any signed account may
	// send them.
	CodeUpdateAndCreateACLConfig     int32 = 50
	CodeDeleteACLConfig              int32 = 51
	CodeGetBrokerClusterACLInfo      int32 = 52
	CodeUpdateGlobalWhiteAddrsConfig int32 = 53
	CodeGetBrokerClusterACLConfig    int32 = 54
	CodePutKVConfig                  int32 = 100
	CodeGetKVConfig                  int32 = 101
	CodeDeleteKVConfig               int32 = 102
	CodeRegisterBroker               int32 = 103
	CodeUnregisterBroker             int32 = 104
	CodeGetRouteInfoByTopic          int32 = 105
	CodeGetBrokerClusterInfo         int32 = 106
	// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP and the two below it are mqadmin's subscription-group
	// requests to a broker.
	CodeUpdateAndCreateSubscriptionGroup int32 = 200
	CodeGetAllSubscriptionGroupConfig    int32 = 201
	CodeDeleteSubscriptionGroup          int32 = 207
	CodeGetTopicStatsInfo                int32 = 202
	CodeGetConsumerConnectionList        int32 = 203
	CodeGetProducerConnectionList        int32 = 204
	CodeGetAllTopicListFromNameServer    int32 = 206
	CodeGetConsumeStats                  int32 = 208
	CodeWipeWritePermOfBroker            int32 = 205
	CodeAddWritePermOfBroker             int32 = 327
	CodeDeleteTopicInBroker              int32 = 215
	CodeDeleteTopicInNamesrv             int32 = 216
	CodeGetKVListByNamespace             int32 = 219
	CodeGetTopicsByCluster               int32 = 224
	// RESET_CONSUMER_CLIENT_OFFSET and GET_CONSUMER_STATUS_FROM_CLIENT go from a broker to its
	// consumers, when mqadmin asks the broker with INVOKE_BROKER_TO_RESET_OFFSET and
	// INVOKE_BROKER_TO_GET_CONSUMER_STATUS.
	CodeResetConsumerClientOffset       int32 = 220
	CodeGetConsumerStatusFromClient     int32 = 221
	CodeInvokeBrokerToResetOffset       int32 = 222
	CodeInvokeBrokerToGetConsumerStatus int32 = 223
	CodeGetSystemTopicListFromNS        int32 = 304
	// GET_SYSTEM_TOPIC_LIST_FROM_BROKER: mqadmin exportMetadata leaves these topics out.
	CodeGetSystemTopicListFromBroker int32 = 305
	// GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY go from mqadmin to a broker with a
	// client id, and from the broker on to that consumer, unchanged.
	CodeGetConsumerRunningInfo       int32 = 307
	CodeConsumeMessageDirectly       int32 = 309
	CodeQueryTopicConsumeByWho       int32 = 300
	CodeCleanExpiredConsumeQueue     int32 = 306
	CodeSendMessageV2                int32 = 310
	CodeGetUnitTopicList             int32 = 311
	CodeGetHasUnitSubTopicList       int32 = 312
	CodeGetHasUnitSubUnUnitTopicList int32 = 313
	CodeViewBrokerStatsData          int32 = 315
	CodeGetBrokerConsumeStats        int32 = 317
	CodeUpdateNamesrvConfig          int32 = 318
	CodeGetNamesrvConfig             int32 = 319
	CodeSendBatchMessage             int32 = 320
	CodeQueryDataVersion             int32 = 322
	CodeSendReplyMessage             int32 = 324
	CodeSendReplyMessageV2           int32 = 325
	CodePushReplyMessageToClient     int32 = 326
	// mqadmin cleanUnusedTopic, queryCq, producer and deleteExpiredCommitLog.
	CodeCleanUnusedTopic       int32 = 316
	CodeQueryConsumeQueue      int32 = 321
	CodeGetAllProducerInfo     int32 = 328
	CodeDeleteExpiredCommitLog int32 = 329
)

// Response codes (Java: ResponseCode.java and RemotingSysResponseCode.java at 4.9.7).
const (
	Success                   int32 = 0
	SystemError               int32 = 1
	SystemBusy                int32 = 2
	RequestCodeNotSupported   int32 = 3
	TransactionFailed         int32 = 4
	FlushDiskTimeout          int32 = 10
	SlaveNotAvailable         int32 = 11
	FlushSlaveTimeout         int32 = 12
	MessageIllegal            int32 = 13
	ServiceNotAvailable       int32 = 14
	VersionNotSupported       int32 = 15
	NoPermission              int32 = 16
	TopicNotExist             int32 = 17
	TopicExistAlready         int32 = 18
	PullNotFound              int32 = 19
	PullRetryImmediately      int32 = 20
	PullOffsetMoved           int32 = 21
	QueryNotFound             int32 = 22
	SubscriptionParseFailed   int32 = 23
	SubscriptionNotExist      int32 = 24
	SubscriptionNotLatest     int32 = 25
	SubscriptionGroupNotExist int32 = 26
	FilterDataNotExist        int32 = 27
	FilterDataNotLatest       int32 = 28
	// InvalidParameter is 5.x's (it answers an illegal pull queue id with it where 4.9.7 says
	// SYSTEM_ERROR); 4.9.7 never sends it.
	InvalidParameter            int32 = 29
	TransactionShouldCommit     int32 = 200
	TransactionShouldRollback   int32 = 201
	TransactionStateUnknow      int32 = 202
	TransactionStateGroupWrong  int32 = 203
	NoBuyerID                   int32 = 204
	NotInCurrentUnit            int32 = 205
	ConsumerNotOnline           int32 = 206
	ConsumeMsgTimeout           int32 = 207
	NoMessage                   int32 = 208
	UpdateAndCreateACLConfigErr int32 = 209
	DeleteACLConfigFailed       int32 = 210
	UpdateGlobalWhiteAddrsFail  int32 = 211
	FlowControl                 int32 = 215
)

var requestCodeNames = map[int32]string{
	CodeSendMessage: "SEND_MESSAGE", CodePullMessage: "PULL_MESSAGE", CodeQueryMessage: "QUERY_MESSAGE",
	CodeQueryConsumerOffset: "QUERY_CONSUMER_OFFSET", CodeUpdateConsumerOffset: "UPDATE_CONSUMER_OFFSET",
	CodeUpdateAndCreateTopic: "UPDATE_AND_CREATE_TOPIC", CodeGetAllTopicConfig: "GET_ALL_TOPIC_CONFIG",
	CodeUpdateBrokerConfig: "UPDATE_BROKER_CONFIG", CodeGetBrokerConfig: "GET_BROKER_CONFIG",
	CodeGetBrokerRuntimeInfo:    "GET_BROKER_RUNTIME_INFO",
	CodeSearchOffsetByTimestamp: "SEARCH_OFFSET_BY_TIMESTAMP", CodeGetMaxOffset: "GET_MAX_OFFSET",
	CodeGetMinOffset: "GET_MIN_OFFSET", CodeViewMessageByID: "VIEW_MESSAGE_BY_ID", CodeHeartBeat: "HEART_BEAT",
	CodeUnregisterClient: "UNREGISTER_CLIENT", CodeConsumerSendMsgBack: "CONSUMER_SEND_MSG_BACK",
	CodeEndTransaction: "END_TRANSACTION", CodeGetConsumerListByGroup: "GET_CONSUMER_LIST_BY_GROUP",
	CodeCheckTransactionState: "CHECK_TRANSACTION_STATE", CodeNotifyConsumerIDsChanged: "NOTIFY_CONSUMER_IDS_CHANGED",
	CodeLockBatchMQ: "LOCK_BATCH_MQ", CodeUnlockBatchMQ: "UNLOCK_BATCH_MQ", CodePutKVConfig: "PUT_KV_CONFIG",
	CodeGetKVConfig: "GET_KV_CONFIG", CodeDeleteKVConfig: "DELETE_KV_CONFIG", CodeRegisterBroker: "REGISTER_BROKER",
	CodeUnregisterBroker: "UNREGISTER_BROKER", CodeGetRouteInfoByTopic: "GET_ROUTEINFO_BY_TOPIC",
	CodeGetBrokerClusterInfo: "GET_BROKER_CLUSTER_INFO", CodeGetAllTopicListFromNameServer: "GET_ALL_TOPIC_LIST_FROM_NAMESERVER",
	CodeGetConsumerConnectionList: "GET_CONSUMER_CONNECTION_LIST", CodeGetProducerConnectionList: "GET_PRODUCER_CONNECTION_LIST",
	CodeDeleteTopicInBroker:  "DELETE_TOPIC_IN_BROKER",
	CodeDeleteTopicInNamesrv: "DELETE_TOPIC_IN_NAMESRV", CodeGetKVListByNamespace: "GET_KVLIST_BY_NAMESPACE",
	CodeGetSystemTopicListFromNS:     "GET_SYSTEM_TOPIC_LIST_FROM_NS",
	CodeGetSystemTopicListFromBroker: "GET_SYSTEM_TOPIC_LIST_FROM_BROKER", CodeGetUnitTopicList: "GET_UNIT_TOPIC_LIST",
	CodeGetHasUnitSubTopicList: "GET_HAS_UNIT_SUB_TOPIC_LIST", CodeGetHasUnitSubUnUnitTopicList: "GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST",
	CodeGetConsumerRunningInfo: "GET_CONSUMER_RUNNING_INFO", CodeSendMessageV2: "SEND_MESSAGE_V2",
	CodeConsumeMessageDirectly:           "CONSUME_MESSAGE_DIRECTLY",
	CodeUpdateAndCreateSubscriptionGroup: "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP",
	CodeGetAllSubscriptionGroupConfig:    "GET_ALL_SUBSCRIPTIONGROUP_CONFIG",
	CodeDeleteSubscriptionGroup:          "DELETE_SUBSCRIPTIONGROUP",
	CodeGetTopicStatsInfo:                "GET_TOPIC_STATS_INFO", CodeGetConsumeStats: "GET_CONSUME_STATS",
	CodeViewBrokerStatsData: "VIEW_BROKER_STATS_DATA", CodeGetBrokerConsumeStats: "GET_BROKER_CONSUME_STATS", CodeGetTopicsByCluster: "GET_TOPICS_BY_CLUSTER",
	CodeUpdateNamesrvConfig: "UPDATE_NAMESRV_CONFIG", CodeGetNamesrvConfig: "GET_NAMESRV_CONFIG",
	CodeWipeWritePermOfBroker: "WIPE_WRITE_PERM_OF_BROKER", CodeAddWritePermOfBroker: "ADD_WRITE_PERM_OF_BROKER",
	CodeQueryTopicConsumeByWho: "QUERY_TOPIC_CONSUME_BY_WHO", CodeCleanExpiredConsumeQueue: "CLEAN_EXPIRED_CONSUMEQUEUE",
	CodeResetConsumerClientOffset:       "RESET_CONSUMER_CLIENT_OFFSET",
	CodeGetConsumerStatusFromClient:     "GET_CONSUMER_STATUS_FROM_CLIENT",
	CodeInvokeBrokerToResetOffset:       "INVOKE_BROKER_TO_RESET_OFFSET",
	CodeInvokeBrokerToGetConsumerStatus: "INVOKE_BROKER_TO_GET_CONSUMER_STATUS",
	CodeSendBatchMessage:                "SEND_BATCH_MESSAGE", CodeQueryDataVersion: "QUERY_DATA_VERSION",
	CodeSendReplyMessage: "SEND_REPLY_MESSAGE", CodeSendReplyMessageV2: "SEND_REPLY_MESSAGE_V2",
	CodePushReplyMessageToClient: "PUSH_REPLY_MESSAGE_TO_CLIENT",
	CodeCleanUnusedTopic:         "CLEAN_UNUSED_TOPIC", CodeQueryConsumeQueue: "QUERY_CONSUME_QUEUE",
	CodeGetAllProducerInfo: "GET_ALL_PRODUCER_INFO", CodeDeleteExpiredCommitLog: "DELETE_EXPIRED_COMMITLOG",
	CodeUpdateAndCreateACLConfig: "UPDATE_AND_CREATE_ACL_CONFIG", CodeDeleteACLConfig: "DELETE_ACL_CONFIG",
	CodeGetBrokerClusterACLInfo: "GET_BROKER_CLUSTER_ACL_INFO", CodeUpdateGlobalWhiteAddrsConfig: "UPDATE_GLOBAL_WHITE_ADDRS_CONFIG",
	CodeGetBrokerClusterACLConfig: "GET_BROKER_CLUSTER_ACL_CONFIG",
}

var responseCodeNames = map[int32]string{
	Success: "SUCCESS", SystemError: "SYSTEM_ERROR", SystemBusy: "SYSTEM_BUSY",
	RequestCodeNotSupported: "REQUEST_CODE_NOT_SUPPORTED", TransactionFailed: "TRANSACTION_FAILED",
	FlushDiskTimeout: "FLUSH_DISK_TIMEOUT", SlaveNotAvailable: "SLAVE_NOT_AVAILABLE",
	FlushSlaveTimeout: "FLUSH_SLAVE_TIMEOUT", MessageIllegal: "MESSAGE_ILLEGAL",
	ServiceNotAvailable: "SERVICE_NOT_AVAILABLE", VersionNotSupported: "VERSION_NOT_SUPPORTED",
	NoPermission: "NO_PERMISSION", TopicNotExist: "TOPIC_NOT_EXIST", TopicExistAlready: "TOPIC_EXIST_ALREADY",
	PullNotFound: "PULL_NOT_FOUND", PullRetryImmediately: "PULL_RETRY_IMMEDIATELY", PullOffsetMoved: "PULL_OFFSET_MOVED",
	QueryNotFound: "QUERY_NOT_FOUND", SubscriptionParseFailed: "SUBSCRIPTION_PARSE_FAILED",
	SubscriptionNotExist: "SUBSCRIPTION_NOT_EXIST", SubscriptionNotLatest: "SUBSCRIPTION_NOT_LATEST",
	SubscriptionGroupNotExist: "SUBSCRIPTION_GROUP_NOT_EXIST", FilterDataNotExist: "FILTER_DATA_NOT_EXIST",
	FilterDataNotLatest: "FILTER_DATA_NOT_LATEST", InvalidParameter: "INVALID_PARAMETER", TransactionShouldCommit: "TRANSACTION_SHOULD_COMMIT",
	TransactionShouldRollback: "TRANSACTION_SHOULD_ROLLBACK", TransactionStateUnknow: "TRANSACTION_STATE_UNKNOW",
	TransactionStateGroupWrong: "TRANSACTION_STATE_GROUP_WRONG", NoBuyerID: "NO_BUYER_ID",
	NotInCurrentUnit: "NOT_IN_CURRENT_UNIT", ConsumerNotOnline: "CONSUMER_NOT_ONLINE",
	ConsumeMsgTimeout: "CONSUME_MSG_TIMEOUT", NoMessage: "NO_MESSAGE",
	UpdateAndCreateACLConfigErr: "UPDATE_AND_CREATE_ACL_CONFIG_FAILED", FlowControl: "FLOW_CONTROL",
	DeleteACLConfigFailed: "DELETE_ACL_CONFIG_FAILED", UpdateGlobalWhiteAddrsFail: "UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED",
}

// RequestCodeName returns Java's name of a request code, or "" when rocketsim does not know it.
func RequestCodeName(code int32) string { return requestCodeNames[code] }

// ResponseCodeName returns Java's name of a response code, or "" when rocketsim does not know it.
func ResponseCodeName(code int32) string { return responseCodeNames[code] }

// LanguageCode is the sender's language (Java: remoting/protocol/LanguageCode.java). In JSON
// headers it travels as its name, in binary headers as its byte value.
type LanguageCode uint8

const (
	LanguageJava   LanguageCode = 0
	LanguageCPP    LanguageCode = 1
	LanguageDotNet LanguageCode = 2
	LanguagePython LanguageCode = 3
	LanguageDelphi LanguageCode = 4
	LanguageErlang LanguageCode = 5
	LanguageRuby   LanguageCode = 6
	LanguageOther  LanguageCode = 7
	LanguageHTTP   LanguageCode = 8
	LanguageGo     LanguageCode = 9
	LanguagePHP    LanguageCode = 10
	LanguageOMS    LanguageCode = 11
	LanguageRust   LanguageCode = 12
	LanguageNodeJS LanguageCode = 13
)

var languageNames = [...]string{"JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER", "HTTP", "GO", "PHP", "OMS", "RUST", "NODE_JS"}

func (l LanguageCode) String() string {
	if int(l) < len(languageNames) {
		return languageNames[l]
	}
	return "OTHER"
}

// ParseLanguage maps a JSON language name to its code. Unknown names map to OTHER, as servers
// must accept any sender.
func ParseLanguage(name string) LanguageCode {
	for i, n := range languageNames {
		if n == name {
			return LanguageCode(i)
		}
	}
	return LanguageOther
}
