package protocol

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type validationCase struct {
	name     string
	input    string
	wantCode int
	wantMsg  string // "" = passes
}

func runValidationCases(t *testing.T, check func(string) error, cases []validationCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.input)
			if tc.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "%v", err)
			require.Equal(t, tc.wantCode, ve.Code)
			require.Equal(t, tc.wantMsg, ve.Msg)
			require.Equal(t, tc.wantMsg, err.Error(), "no FAQ suffix here")
		})
	}
}

const illegalSuffix = " contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"

func TestCheckGroup(t *testing.T) {
	runValidationCases(t, CheckGroup, []validationCase{
		{"ok", "golden_pg", 0, ""},
		{"every allowed character", "%|-_09azAZ", 0, ""},
		{"inner producer", "CLIENT_INNER_PRODUCER", 0, ""},
		{"default producer passes the name check", "DEFAULT_PRODUCER", 0, ""},
		{"max length", strings.Repeat("g", 255), 0, ""},
		{"empty", "", -1, "the specified group is blank"},
		{"whitespace", " \t\r\n\x0b\x0c\x1c\u2003", -1, "the specified group is blank"},
		{"no-break space is not Java whitespace", "\u00a0", -1, "the specified group[\u00a0]" + illegalSuffix},
		{"too long", strings.Repeat("g", 256), -1, "the specified group is longer than group max length 255."},
		{"space inside", "my group", -1, "the specified group[my group]" + illegalSuffix},
		{"dot", "a.b", -1, "the specified group[a.b]" + illegalSuffix},
		{"non-ASCII", "组", -1, "the specified group[组]" + illegalSuffix},
		// Java counts UTF-16 units: 200 CJK characters are 600 bytes but pass the length check
		{"long non-ASCII fails on characters", strings.Repeat("组", 200), -1,
			"the specified group[" + strings.Repeat("组", 200) + "]" + illegalSuffix},
		{"surrogate pairs count twice", strings.Repeat("😀", 128), -1,
			"the specified group is longer than group max length 255."},
	})
}

func TestCheckProducerGroup(t *testing.T) {
	runValidationCases(t, CheckProducerGroup, []validationCase{
		{"ok", "pg", 0, ""},
		{"inner producer", "CLIENT_INNER_PRODUCER", 0, ""},
		{"default producer", "DEFAULT_PRODUCER", -1, "producerGroup can not equal DEFAULT_PRODUCER, please specify another one."},
		{"group checks first", "", -1, "the specified group is blank"},
	})
}

func TestCheckTopic(t *testing.T) {
	runValidationCases(t, CheckTopic, []validationCase{
		{"ok", "GoldenTopic", 0, ""},
		{"TBW102", "TBW102", 0, ""},
		{"namespaced", "ns%topic", 0, ""},
		{"max length", strings.Repeat("t", 127), 0, ""},
		{"empty", "", -1, "The specified topic is blank"},
		{"blank", "   ", -1, "The specified topic is blank"},
		{"too long", strings.Repeat("t", 128), -1, "The specified topic is longer than topic max length 127."},
		// the client checks length before characters
		{"too long and illegal", strings.Repeat("t.", 64), -1, "The specified topic is longer than topic max length 127."},
		{"illegal", "a/b", -1, "The specified topic[a/b]" + illegalSuffix},
	})
}

func TestCheckNotAllowedSendTopic(t *testing.T) {
	for _, topic := range []string{"SCHEDULE_TOPIC_XXXX", "RMQ_SYS_TRANS_HALF_TOPIC", "RMQ_SYS_TRANS_OP_HALF_TOPIC",
		"TRANS_CHECK_MAX_TIME_TOPIC", "SELF_TEST_TOPIC", "OFFSET_MOVED_EVENT"} {
		runValidationCases(t, CheckNotAllowedSendTopic, []validationCase{
			{topic, topic, -1, "Sending message to topic[" + topic + "] is forbidden."},
		})
	}
	// system topics that may still be sent to
	for _, topic := range []string{"TBW102", "BenchmarkTest", "RMQ_SYS_TRACE_TOPIC", "rmq_sys_x", "T"} {
		require.NoError(t, CheckNotAllowedSendTopic(topic), topic)
	}
}

func TestCheckNotSystemTopic(t *testing.T) {
	for _, topic := range []string{"TBW102", "SCHEDULE_TOPIC_XXXX", "BenchmarkTest", "RMQ_SYS_TRANS_HALF_TOPIC",
		"RMQ_SYS_TRACE_TOPIC", "RMQ_SYS_TRANS_OP_HALF_TOPIC", "TRANS_CHECK_MAX_TIME_TOPIC", "SELF_TEST_TOPIC",
		"OFFSET_MOVED_EVENT", "rmq_sys_", "rmq_sys_anything"} {
		runValidationCases(t, CheckNotSystemTopic, []validationCase{
			{topic, topic, -1, "The topic[" + topic + "] is conflict with system topic."},
		})
		require.True(t, IsSystemTopic(topic))
	}
	for _, topic := range []string{"T", "RMQ_SYS_", "rmq_sy", "tbw102"} {
		require.NoError(t, CheckNotSystemTopic(topic), topic)
	}
}

func TestCheckMessage(t *testing.T) {
	const defaultMax = 4 * 1024 * 1024
	for _, tc := range []struct {
		name     string
		topic    string
		body     []byte
		maxSize  int
		wantCode int
		wantMsg  string
	}{
		{"ok", "T", []byte("x"), defaultMax, 0, ""},
		{"TBW102 may be sent to", "TBW102", []byte("x"), defaultMax, 0, ""},
		{"exactly max", "T", make([]byte, 16), 16, 0, ""},
		{"blank topic", " ", []byte("x"), defaultMax, -1, "The specified topic is blank"},
		{"topic before body", "", nil, defaultMax, -1, "The specified topic is blank"},
		{"illegal topic", "a b", []byte("x"), defaultMax, -1, "The specified topic[a b]" + illegalSuffix},
		{"forbidden topic", "SCHEDULE_TOPIC_XXXX", []byte("x"), defaultMax, -1, "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden."},
		{"nil body", "T", nil, defaultMax, 13, "the message body is null"},
		{"empty body", "T", []byte{}, defaultMax, 13, "the message body length is zero"},
		{"over max", "T", make([]byte, defaultMax+1), defaultMax, 13, "the message body size over max value, MAX: 4194304"},
		{"over a custom max", "T", make([]byte, 17), 16, 13, "the message body size over max value, MAX: 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckMessage(tc.topic, tc.body, tc.maxSize)
			if tc.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, &ValidationError{Code: tc.wantCode, Msg: tc.wantMsg}, ve)
		})
	}
	require.Equal(t, &ValidationError{Code: 13, Msg: "the message is null"}, MessageNullError())
}

func TestBrokerCheckTopic(t *testing.T) {
	runValidationCases(t, BrokerCheckTopic, []validationCase{
		{"ok", "GoldenTopic", 0, ""},
		{"blank", "", 1, "The specified topic is blank."},
		{"illegal", "a/b", 1, "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"},
		{"too long", strings.Repeat("t", 128), 1, "The specified topic is longer than topic max length."},
		// the broker checks characters before length
		{"too long and illegal", strings.Repeat("t.", 64), 1,
			"The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"},
	})
	runValidationCases(t, BrokerCheckNotAllowedSendTopic, []validationCase{
		{"ok", "TBW102", 0, ""},
		{"forbidden", "OFFSET_MOVED_EVENT", 16, "Sending message to topic[OFFSET_MOVED_EVENT] is forbidden."},
	})
	runValidationCases(t, BrokerCheckNotSystemTopic, []validationCase{
		{"ok", "T", 0, ""},
		{"system", "TBW102", 1, "The topic[TBW102] is conflict with system topic."},
	})
}

func TestIsTopicOrGroupIllegal(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		want := !(c == '%' || c == '|' || c == '-' || c == '_' ||
			(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		require.Equal(t, want, IsTopicOrGroupIllegal(s), "%q", s)
	}
	require.False(t, IsTopicOrGroupIllegal(""), "blank is checked separately")
}
