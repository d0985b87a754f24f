package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// javaBrokerConfigText is MixAll.properties2String of a Properties holding these six keys
// (OpenJDK 17): the order of a ConcurrentHashMap of capacity 8.
const javaBrokerConfigText = "brokerClusterName=v-brokerClusterName\n" +
	"namesrvAddr=127.0.0.1:9876;127.0.0.2:9876\n" +
	"storePathRootDir=/tmp/store\n" +
	"autoCreateTopicEnable=v-autoCreateTopicEnable\n" +
	"brokerName=broker-a\n" +
	"listenPort=v-listenPort\n"

func TestJavaPropertiesMatchJava(t *testing.T) {
	props := map[string]string{
		"brokerClusterName": "v-brokerClusterName", "namesrvAddr": "127.0.0.1:9876;127.0.0.2:9876",
		"storePathRootDir": "/tmp/store", "autoCreateTopicEnable": "v-autoCreateTopicEnable",
		"brokerName": "broker-a", "listenPort": "v-listenPort",
	}
	require.Equal(t, javaBrokerConfigText, string(EncodeJavaProperties(props)))
	got, err := DecodeJavaProperties([]byte(javaBrokerConfigText))
	require.NoError(t, err)
	require.Equal(t, props, got)
	require.Empty(t, EncodeJavaProperties(nil))
}

// What MixAll.string2Properties (Properties.load, OpenJDK 17) makes of a text that uses every
// rule: comments, the three separators, blanks around them, escapes, continuation lines (whose
// leading blanks go), a "#" that only starts a comment at the start of a logical line.
func TestJavaPropertiesDecodeLikeJava(t *testing.T) {
	got, err := DecodeJavaProperties([]byte("# c\n  a = 1\nb:2\nc 3\nd=\\u0041\\t\\\n   x\n! x\ne\n=f\n\\ g\\=h=i\nj==k\nl\\\n#m\n"))
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"": "f", " g=h": "i", "a": "1", "b": "2", "c": "3", "d": "A\tx", "e": "", "j": "=k", "l#m": "",
	}, got)

	for text, want := range map[string]map[string]string{
		"":                  {},
		"\n\r\n  \t\f\n":    {},
		"k=v\r\nk2=v2\rk3=": {"k": "v", "k2": "v2", "k3": ""},
		"k=a\\\r\n  b":      {"k": "ab"},
		"k=v\\":             {"k": "v"}, // a backslash ending the text is dropped
		"\\":                {"": ""},
		"k=\\\\":            {"k": `\`},
		"k=\\q\\é":          {"k": "qé"},
		"k=é😀":              {"k": "é😀"}, // UTF-8 is kept as it is
		"k=\\uD83D\\uDE00":  {"k": "😀"},
		"k=\\uD83Dx":        {"k": "\uFFFDx"},
		"k=\\uDE00":         {"k": "\uFFFD"},
		"k=v\nk=w":          {"k": "w"},
		"#only a comment":   {},
	} {
		got, err := DecodeJavaProperties([]byte(text))
		require.NoError(t, err, "%q", text)
		require.Equal(t, want, got, "%q", text)
	}

	for _, bad := range []string{"k=\\u12", "k=\\u12G4", "\\uZZZZ=v"} {
		_, err := DecodeJavaProperties([]byte(bad))
		require.ErrorIs(t, err, ErrMalformedUnicodeEscape, "%q", bad)
	}
}

// Where properties2String would write text that Properties.load reads differently, the encoder
// escapes, so every map survives the trip.
func TestJavaPropertiesRoundTrip(t *testing.T) {
	props := map[string]string{
		"":        "empty key",
		" a=b:c":  " leading blank and = : in the value ",
		"#x":      "!y",
		"!z":      "#w",
		"back\\":  "slash\\",
		"lines\n": "a\r\nb\tc\fd",
		"é😀":      "\u2028 non-ASCII",
		"ctl":     "\x00\x01\x7f",
		"value=":  "=starts with a separator",
	}
	text := EncodeJavaProperties(props)
	got, err := DecodeJavaProperties(text)
	require.NoError(t, err, "%q", text)
	require.Equal(t, props, got, "%q", text)
	require.Contains(t, string(text), `\u00E9\uD83D\uDE00=\u2028 non-ASCII`+"\n")
}
