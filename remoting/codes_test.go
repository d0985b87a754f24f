package remoting

import "testing"

// The names are RequestCode.java's at rocketmq-all-4.9.7; mqadmin and the admin package send
// these, and logs and the differential test's table print them.
func TestAdminRequestCodeNames(t *testing.T) {
	for code, want := range map[int32]string{
		25: "UPDATE_BROKER_CONFIG", 26: "GET_BROKER_CONFIG", 28: "GET_BROKER_RUNTIME_INFO",
		203: "GET_CONSUMER_CONNECTION_LIST", 204: "GET_PRODUCER_CONNECTION_LIST",
		215: "DELETE_TOPIC_IN_BROKER", 216: "DELETE_TOPIC_IN_NAMESRV", 219: "GET_KVLIST_BY_NAMESPACE",
		304: "GET_SYSTEM_TOPIC_LIST_FROM_NS", 311: "GET_UNIT_TOPIC_LIST", 312: "GET_HAS_UNIT_SUB_TOPIC_LIST",
		313: "GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST",
		200: "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP", 201: "GET_ALL_SUBSCRIPTIONGROUP_CONFIG", 207: "DELETE_SUBSCRIPTIONGROUP",
		220: "RESET_CONSUMER_CLIENT_OFFSET", 221: "GET_CONSUMER_STATUS_FROM_CLIENT", 222: "INVOKE_BROKER_TO_RESET_OFFSET",
		223: "INVOKE_BROKER_TO_GET_CONSUMER_STATUS", 307: "GET_CONSUMER_RUNNING_INFO", 309: "CONSUME_MESSAGE_DIRECTLY",
		202: "GET_TOPIC_STATS_INFO", 208: "GET_CONSUME_STATS", 318: "UPDATE_NAMESRV_CONFIG", 319: "GET_NAMESRV_CONFIG",
		205: "WIPE_WRITE_PERM_OF_BROKER", 327: "ADD_WRITE_PERM_OF_BROKER", 300: "QUERY_TOPIC_CONSUME_BY_WHO", 306: "CLEAN_EXPIRED_CONSUMEQUEUE",
		305: "GET_SYSTEM_TOPIC_LIST_FROM_BROKER", 316: "CLEAN_UNUSED_TOPIC", 321: "QUERY_CONSUME_QUEUE", 328: "GET_ALL_PRODUCER_INFO", 329: "DELETE_EXPIRED_COMMITLOG",
	} {
		if got := RequestCodeName(code); got != want {
			t.Errorf("RequestCodeName(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestRequestCodeNamesAreUnique(t *testing.T) {
	seen := map[string]int32{}
	for code, name := range requestCodeNames {
		if other, dup := seen[name]; dup {
			t.Errorf("%s names both %d and %d", name, other, code)
		}
		seen[name] = code
	}
}
