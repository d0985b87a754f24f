package fakebroker

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/internal/testkit"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
	"github.com/rocketsim/rocketsim/remoting/remotingtest"
)

func updateBrokerConfigReq(body string) *remoting.Command {
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return remoting.NewRequest(remoting.CodeUpdateBrokerConfig, nil, b)
}

// brokerConfig asks the broker for GET_BROKER_CONFIG and decodes the answer.
func brokerConfigOn(t *testing.T, c *remoting.Client) (map[string]string, protocol.DataVersion) {
	t.Helper()
	resp := invokeOn(t, c, remoting.NewRequest(remoting.CodeGetBrokerConfig, nil, nil))
	require.Equal(t, remoting.Success, resp.Code)
	require.Empty(t, resp.Remark)
	require.Len(t, resp.ExtFields, 1, "createResponseCommand(GetBrokerConfigResponseHeader.class): version only")
	h, err := protocol.DecodeGetBrokerConfigResponseHeader(resp.ExtFields)
	require.NoError(t, err)
	version, err := protocol.DecodeDataVersion([]byte(h.Version))
	require.NoError(t, err)
	props, err := protocol.DecodeJavaProperties(resp.Body)
	require.NoError(t, err)
	return props, version
}

func (r *rig) brokerConfig() (map[string]string, protocol.DataVersion) {
	r.t.Helper()
	return brokerConfigOn(r.t, r.client)
}

// updateBrokerConfig sends UPDATE_BROKER_CONFIG and requires Java's plain success.
func (r *rig) updateBrokerConfig(body string) {
	r.t.Helper()
	resp := r.invoke(updateBrokerConfigReq(body))
	require.Equal(r.t, remoting.Success, resp.Code, resp.Remark)
	require.Empty(r.t, resp.Remark)
	require.Nil(r.t, resp.ExtFields)
	require.Empty(r.t, resp.Body)
}

func TestGetBrokerConfigListsTheBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		config, version := r.brokerConfig()
		require.Equal(t, protocol.DataVersion{Timestamp: start.UnixMilli()}, version, "the start time, counter 0")
		cpus := runtime.NumCPU()
		for key, want := range map[string]string{
			// the fake's own settings
			"brokerName": "broker-a", "brokerClusterName": "DefaultCluster", "brokerId": "0",
			"brokerIP1": "127.0.0.1", "listenPort": "10911", "brokerIP2": "127.0.0.1", "haListenPort": "10912",
			"namesrvAddr": nsAddr, "brokerPermission": "6", "autoCreateTopicEnable": "true",
			"defaultTopicQueueNums": "8", "maxMessageSize": "4194304", "regionId": "DefaultRegion",
			"traceOn": "true", "registerNameServerPeriod": "30000", "registerBrokerTimeoutMills": "6000",
			"transactionCheckInterval": "0", "messageDelayLevel": DefaultMessageDelayLevel,
			// 4.9.7's defaults
			"defaultQueryMaxNum": "32", "brokerRole": "ASYNC_MASTER", "flushDiskType": "ASYNC_FLUSH",
			"messageStorePlugIn": "", "isEnableBatchPush": "false", "writeBufferHighWaterMark": "0",
			"bitMapLengthConsumeQueueExt": "112", // ConsumerFilterManager's bloom filter, not the field's 64
			// what the machine decides
			"pullMessageThreadPoolNums":     strconv.Itoa(16 + 2*cpus),
			"clientCallbackExecutorThreads": strconv.Itoa(cpus),
		} {
			require.Equal(t, want, config[key], key)
		}
		for _, null := range []string{"storePathCommitLog", "haMasterAddress", "dLegerGroup", "enableBatchPush"} {
			require.NotContains(t, config, null)
		}
		require.Contains(t, config, "storePathRootDir")
		// Every field but the null ones (and rocketmqHome without ROCKETMQ_HOME); two Netty
		// fields are in both Netty configurations.
		want := map[string]bool{}
		for _, f := range javaConfigFields {
			if !f.null {
				want[f.name] = true
			}
		}
		if os.Getenv("ROCKETMQ_HOME") == "" {
			delete(want, "rocketmqHome")
		}
		require.Len(t, config, len(want))
	})
}

func TestGetBrokerConfigShowsTheOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithName("broker-x"), WithCluster("C1"), WithBrokerID(1), WithPermission(protocol.PermRead),
			WithAutoCreateTopic(false), WithMaxMessageSize(1024), WithMessageDelayLevel("1s 2s"),
			WithRegion("Mars"), WithTraceOn(false), WithHAServerAddr("192.0.2.7:30000"),
			WithRegisterInterval(time.Minute), WithCompressedRegister(true))
		config, _ := r.brokerConfig()
		for key, want := range map[string]string{
			"brokerName": "broker-x", "brokerClusterName": "C1", "brokerId": "1", "brokerRole": "SLAVE",
			"brokerPermission": "4", "autoCreateTopicEnable": "false", "maxMessageSize": "1024",
			"messageDelayLevel": "1s 2s", "regionId": "Mars", "traceOn": "false", "brokerIP2": "192.0.2.7",
			"haListenPort": "30000", "registerNameServerPeriod": "60000", "compressedRegister": "true",
		} {
			require.Equal(t, want, config[key], key)
		}
	})
}

func TestGetBrokerConfigWithoutNameServers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		b := New(baseOptions(mem)...)
		require.NoError(t, b.Start())
		defer b.Crash()
		config, _ := brokerConfigOn(t, remotingtest.NewClient(t, mem.Dial))
		require.NotContains(t, config, "namesrvAddr", "null, as on a broker started without -n")
	})
}

// UPDATE_BROKER_CONFIG as properties2Object takes it: what parses is set, what does not is
// dropped, keys without a setter are ignored, and the answer is the same success each time.
func TestUpdateBrokerConfig(t *testing.T) {
	for _, tc := range []struct {
		name      string
		body      string
		want      map[string]string // "" for absent
		unchanged bool              // the version stays
	}{
		{name: "no body", unchanged: true, want: map[string]string{"defaultQueryMaxNum": "32"}},
		{name: "a setting", body: "defaultQueryMaxNum=33\n", want: map[string]string{"defaultQueryMaxNum": "33"}},
		{name: "unknown name ignored", body: "rocketsimNoSuchSetting=1", want: map[string]string{"rocketsimNoSuchSetting": ""}},
		{name: "int that does not parse", body: "defaultQueryMaxNum=many", want: map[string]string{"defaultQueryMaxNum": "32"}},
		{name: "int out of range", body: "defaultQueryMaxNum=2147483648", want: map[string]string{"defaultQueryMaxNum": "32"}},
		{name: "int as Integer.parseInt reads it", body: "defaultQueryMaxNum=+07", want: map[string]string{"defaultQueryMaxNum": "7"}},
		{name: "int with a trailing blank", body: "defaultQueryMaxNum=33 ", want: map[string]string{"defaultQueryMaxNum": "32"}},
		{name: "long", body: "consumerFallbehindThreshold=-1", want: map[string]string{"consumerFallbehindThreshold": "-1"}},
		{name: "boolean that does not parse is false", body: "longPollingEnable=yes", want: map[string]string{"longPollingEnable": "false"}},
		{name: "boolean in capitals", body: "enablePropertyFilter=TRUE", want: map[string]string{"enablePropertyFilter": "true"}},
		{name: "enum", body: "brokerRole=SYNC_MASTER", want: map[string]string{"brokerRole": "SYNC_MASTER"}},
		{name: "enum names only", body: "flushDiskType=sync_flush", want: map[string]string{"flushDiskType": "ASYNC_FLUSH"}},
		{name: "a null field is listed once set", body: "haMasterAddress=192.0.2.1:10912",
			want: map[string]string{"haMasterAddress": "192.0.2.1:10912"}},
		{name: "a setter named after another field", body: "enableBatchPush=true",
			want: map[string]string{"isEnableBatchPush": "true", "enableBatchPush": ""}},
		{name: "a field without a setter", body: "isEnableBatchPush=true", want: map[string]string{"isEnableBatchPush": "false"}},
		{name: "several at once", body: "deleteWhen=02\nfileReservedTime : 48\n",
			want: map[string]string{"deleteWhen": "02", "fileReservedTime": "48"}},
		{name: "escapes", body: `messageStorePlugIn=a\tb\u0041`, want: map[string]string{"messageStorePlugIn": "a\tbA"}},
		{name: "comments only", body: "# nothing\n! here\n", want: map[string]string{"defaultQueryMaxNum": "32"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				_, before := r.brokerConfig()
				time.Sleep(time.Second)
				r.updateBrokerConfig(tc.body)
				config, after := r.brokerConfig()
				for key, want := range tc.want {
					got, ok := config[key]
					require.Equal(t, want != "", ok, key)
					require.Equal(t, want, got, key)
				}
				if tc.unchanged {
					require.Equal(t, before, after)
				} else {
					require.Equal(t, protocol.DataVersion{Timestamp: time.Now().UnixMilli(), Counter: 1}, after)
				}
				require.Len(t, r.ns.registrations(), 1, "only brokerPermission makes the broker register")
			})
		})
	}
}

func TestUpdateBrokerConfigUnparsableBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		_, before := r.brokerConfig()
		resp := r.invoke(updateBrokerConfigReq(`defaultQueryMaxNum=1\nx=\u12`))
		require.Equal(t, remoting.SystemError, resp.Code)
		require.Equal(t, "string2Properties error", resp.Remark)
		require.Nil(t, resp.ExtFields)
		config, after := r.brokerConfig()
		require.Equal(t, before, after)
		require.Equal(t, "32", config["defaultQueryMaxNum"], "nothing of the body is taken")
	})
}

// brokerPermission=4 (mqadmin updateBrokerConfig, what takes a broker's writes away): the
// broker registers before it answers, so the route shows the new perm at once.
func TestUpdateBrokerPermissionRegistersBeforeAnswering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		ns := fakenamesrv.New(fakenamesrv.WithLogger(testkit.Quiet))
		remotingtest.Serve(t, mem, nsAddr, ns)
		b := New(append(baseOptions(mem, nsAddr), WithTopic("T", 2))...)
		require.NoError(t, b.Start())
		defer b.Crash()
		client := remotingtest.NewClient(t, mem.Dial)
		topicVersion := b.DataVersion()

		resp := invokeOn(t, client, updateBrokerConfigReq("brokerPermission=4"))
		require.Equal(t, remoting.Success, resp.Code)
		route, ok := ns.Route("T")
		require.True(t, ok)
		require.Equal(t, protocol.PermRead, route.QueueDatas[0].Perm)
		require.Equal(t, protocol.PermRead, b.Permission())
		require.Equal(t, topicVersion.Counter+1, b.DataVersion().Counter)
		regs := b.Registrations()
		last := regs[len(regs)-1]
		require.Equal(t, "broker-config", last.Reason)
		require.False(t, last.Oneway)
		require.Equal(t, b.DataVersion(), last.DataVersion)

		config, version := brokerConfigOn(t, client)
		require.Equal(t, "4", config["brokerPermission"])
		require.EqualValues(t, 1, version.Counter)

		// A value that does not parse changes nothing, yet the broker registers again.
		resp = invokeOn(t, client, updateBrokerConfigReq("brokerPermission=rw"))
		require.Equal(t, remoting.Success, resp.Code)
		require.Equal(t, protocol.PermRead, b.Permission())
		require.Equal(t, topicVersion.Counter+2, b.DataVersion().Counter)
		require.Len(t, b.Registrations(), len(regs)+1)

		// SetPermission is the same update.
		b.SetPermission(context.Background(), protocol.PermRead|protocol.PermWrite)
		route, _ = ns.Route("T")
		require.Equal(t, protocol.PermRead|protocol.PermWrite, route.QueueDatas[0].Perm)
		config, version = brokerConfigOn(t, client)
		require.Equal(t, "6", config["brokerPermission"])
		require.EqualValues(t, 3, version.Counter)
	})
}

// The settings a 4.9.7 broker reads while it runs change the fake's behaviour at once.
func TestUpdateBrokerConfigLiveSettings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithTopic("T", 1))
		send := func(topic string, body string, props map[string]string) *remoting.Command {
			return r.invoke(sendReq(t, remoting.CodeSendMessageV2, sendHeader(topic, 0, props), []byte(body)))
		}

		r.updateBrokerConfig("regionId=Mars\ntraceOn=false\n")
		resp := send("T", "x", nil)
		require.Equal(t, remoting.Success, resp.Code, resp.Remark)
		require.Equal(t, "Mars", resp.ExtFields[protocol.FieldMsgRegion])
		require.Equal(t, "false", resp.ExtFields[protocol.FieldTraceOn])

		r.updateBrokerConfig("maxMessageSize=10")
		resp = send("T", "eleven-byte", nil)
		require.Equal(t, remoting.MessageIllegal, resp.Code)
		require.Contains(t, resp.Remark, "msg body length limit 10B")
		// Under 10 the store keeps its limit (CommitLog.updateMaxMessageSize); remarks quote the setting.
		r.updateBrokerConfig("maxMessageSize=5")
		require.Equal(t, remoting.Success, send("T", "8 bytes!", nil).Code)
		resp = send("T", "eleven-byte", nil)
		require.Equal(t, remoting.MessageIllegal, resp.Code)
		require.Contains(t, resp.Remark, "msg body length limit 5B")

		r.updateBrokerConfig("rejectTransactionMessage=true")
		resp = send("T", "half", map[string]string{protocol.PropertyTransactionPrepared: "true"})
		require.Equal(t, remoting.NoPermission, resp.Code)

		r.updateBrokerConfig("autoCreateTopicEnable=false")
		resp = send("Fresh", "x", nil)
		require.Equal(t, remoting.TopicNotExist, resp.Code, resp.Remark)
		// That send took TBW102's inherit bit away for good (createTopicInSendMessageMethod sets
		// its perm to 6 in place), so turning auto-creation on again does not bring it back.
		tbw, _ := r.b.Topic(protocol.AutoCreateTopicKey)
		require.Equal(t, protocol.PermRead|protocol.PermWrite, tbw.Perm)
		r.updateBrokerConfig("autoCreateTopicEnable=true")
		require.Equal(t, remoting.TopicNotExist, send("Fresh", "x", nil).Code)

		r.updateBrokerConfig("compressedRegister=true\nbrokerPermission=6")
		e := r.ns.await(t, remoting.CodeRegisterBroker, 2) // start, this one
		require.Equal(t, "true", e.ExtFields[protocol.FieldCompressed])
	})
}

// Settings a 4.9.7 broker reads when it starts are stored and listed but change nothing.
func TestUpdateBrokerConfigStartSettings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.updateBrokerConfig("defaultTopicQueueNums=2\nbrokerName=broker-z\nlistenPort=1\nmessageDelayLevel=1s")
		config, _ := r.brokerConfig()
		require.Equal(t, "2", config["defaultTopicQueueNums"])
		require.Equal(t, "broker-z", config["brokerName"])
		require.Equal(t, "1", config["listenPort"])
		tbw, _ := r.b.Topic(protocol.AutoCreateTopicKey)
		require.EqualValues(t, 8, tbw.WriteQueueNums)
		require.Equal(t, "broker-a", r.b.Name())

		// A restart is a new configuration version; the values stay.
		require.NoError(t, r.b.Shutdown(context.Background()))
		start := time.Now()
		require.NoError(t, r.b.Start())
		config, version := brokerConfigOn(t, r.newClient())
		require.Equal(t, protocol.DataVersion{Timestamp: start.UnixMilli()}, version)
		require.Equal(t, "2", config["defaultTopicQueueNums"])
		require.Equal(t, "1", config["listenPort"])
	})
}

// namesrvAddr reaches the name-server list at its next refresh (10 s after start, then every
// 2 min), as BrokerController's scheduled updateNameServerAddressList.
func TestUpdateNamesrvAddr(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		other := newStubNS(t, r.mem, "127.0.0.1:9877")
		r.updateBrokerConfig("namesrvAddr=127.0.0.1:9877")
		config, _ := r.brokerConfig()
		require.Equal(t, "127.0.0.1:9877", config["namesrvAddr"])
		r.b.RegisterNow(context.Background())
		require.Len(t, r.ns.registrations(), 2, "the list has not been refreshed yet")
		require.Empty(t, other.registrations())

		// The periodic registration, also 10 s after start, goes to either list.
		time.Sleep(namesrvRefreshDelay + time.Second)
		before, otherBefore := len(r.ns.registrations()), len(other.registrations())
		r.b.RegisterNow(context.Background())
		require.Len(t, r.ns.registrations(), before)
		require.Len(t, other.registrations(), otherBefore+1)

		// A list that splits to nothing is not applied.
		r.updateBrokerConfig("namesrvAddr=;")
		time.Sleep(namesrvRefreshInterval)
		otherBefore = len(other.registrations())
		r.b.RegisterNow(context.Background())
		require.Len(t, other.registrations(), otherBefore+1)
	})
}

func TestUpdateNamesrvAddrWithoutNameServersAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		ns := newStubNS(t, mem, nsAddr)
		b := New(baseOptions(mem)...)
		require.NoError(t, b.Start())
		defer b.Crash()
		client := remotingtest.NewClient(t, mem.Dial)
		resp := invokeOn(t, client, updateBrokerConfigReq("namesrvAddr="+nsAddr))
		require.Equal(t, remoting.Success, resp.Code)
		time.Sleep(5 * time.Minute)
		require.Empty(t, ns.registrations(), "no refresh on a broker started without name servers")

		// Started again, it reads namesrvAddr as a restarted real broker reads its file.
		require.NoError(t, b.Shutdown(context.Background()))
		require.NoError(t, b.Start())
		require.Len(t, ns.registrations(), 1)
	})
}

func TestJavaKindParse(t *testing.T) {
	for _, tc := range []struct {
		kind javaKind
		in   string
		want string
		ok   bool
	}{
		{javaInt, "42", "42", true},
		{javaInt, "-0", "0", true},
		{javaInt, "+2147483647", "2147483647", true},
		{javaInt, "2147483648", "", false},
		{javaInt, "", "", false},
		{javaInt, "1_000", "", false},
		{javaInt, "0x10", "", false},
		{javaLong, "9223372036854775807", "9223372036854775807", true},
		{javaLong, "1e3", "", false},
		{javaBoolean, "True", "true", true},
		{javaBoolean, "1", "false", true},
		{javaBoolean, "", "false", true},
		{javaString, " x ", " x ", true},
		{javaEnum("A", "B"), "B", "B", true},
		{javaEnum("A", "B"), "b", "", false},
	} {
		got, ok := tc.kind.parse(tc.in)
		require.Equal(t, tc.ok, ok, "%s %q", tc.kind.name, tc.in)
		if ok {
			require.Equal(t, tc.want, got, "%s %q", tc.kind.name, tc.in)
		}
	}
}

func TestJavaSplit(t *testing.T) {
	for in, want := range map[string][]string{
		"":      {""},
		"a":     {"a"},
		"a;b":   {"a", "b"},
		"a;;b;": {"a", "", "b"},
		";":     {},
		";a":    {"", "a"},
	} {
		require.Equal(t, want, javaSplit(in, ";"), in)
	}
}

// The generated table and the fake agree: every field the machine decides has a value here,
// and every setting the fake acts on is a field a setter writes.
func TestBrokerConfigTable(t *testing.T) {
	own := map[string]bool{"brokerName": true, "brokerIP1": true, "brokerIP2": true, "namesrvAddr": true}
	fields := map[string]javaConfigField{}
	for _, f := range javaConfigFields {
		fields[f.name] = f
		if f.machine && !own[f.name] && f.name != "rocketmqHome" {
			_, ok := machineDefault(f.name)
			require.True(t, ok, f.name)
		}
	}
	written := map[string]javaKind{}
	for _, s := range javaConfigSetters {
		written[s.field] = s.kind
	}
	for field := range liveSettings {
		_, ok := fields[field]
		require.True(t, ok, field)
		_, ok = written[field]
		require.True(t, ok, field)
	}
}
