package fakebroker

import (
	"context"
	"maps"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/internal/golden"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// The topics a fresh 4.9.7 broker registers (golden broker-restart-register-broker, first
// registration of a new process), with TBW102 because autoCreateTopicEnable is on.
func TestRegisterAtStartCarriesTheSystemTopics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		e := r.ns.await(t, remoting.CodeRegisterBroker, 1)
		require.False(t, e.Oneway)
		require.Equal(t, map[string]string{
			"brokerName": "broker-a", "brokerAddr": brokerAddr, "clusterName": "DefaultCluster",
			"haServerAddr": "127.0.0.1:10912", "brokerId": "0", "compressed": "false",
			"bodyCrc32": e.ExtFields["bodyCrc32"],
		}, e.ExtFields)
		require.Equal(t, strconvItoa(protocol.BodyCRC32(e.Body)), e.ExtFields["bodyCrc32"])

		body := regBody(t, e)
		want := goldenRestartTopics(t)
		require.Empty(t, cmp.Diff(want, body.TopicConfigSerializeWrapper.TopicConfigTable))
		require.Equal(t, []string{}, body.FilterServerList)

		regs := r.b.Registrations()
		require.Len(t, regs, 1)
		require.Equal(t, "start", regs[0].Reason)
		require.Equal(t, remoting.Success, regs[0].ResponseCode)
		require.NoError(t, regs[0].Err)
	})
}

func strconvItoa(n int32) string { return itoa(int(n)) }

// goldenRestartTopics decodes the topic table of the first registration of a freshly started
// real broker (broker-restart capture, brokerName broker-a in DefaultCluster).
func goldenRestartTopics(t *testing.T) map[string]protocol.TopicConfig {
	t.Helper()
	for _, f := range golden.Load(t) {
		if f.Case == "broker-restart-register-broker" && f.Kind == "request" {
			b, err := protocol.DecodeRegisterBrokerBody(f.Body(), false)
			require.NoError(t, err)
			return b.TopicConfigSerializeWrapper.TopicConfigTable
		}
	}
	t.Fatal("no golden broker-restart registration")
	return nil
}

func TestRegisterHeaderHasTheGoldenShape(t *testing.T) {
	var goldenKeys []string
	for _, f := range golden.Load(t) {
		if f.Code == remoting.CodeRegisterBroker && f.Kind != "response" {
			cmd, err := remoting.DecodeFrame(f.Bytes, 0)
			require.NoError(t, err)
			goldenKeys = slices.Sorted(maps.Keys(cmd.ExtFields))
			break
		}
	}
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		e := r.ns.await(t, remoting.CodeRegisterBroker, 1)
		require.Equal(t, goldenKeys, slices.Sorted(maps.Keys(e.ExtFields)))
		require.Equal(t, remoting.LanguageJava, e.Language)
		require.Equal(t, remoting.CurrentVersion, e.Version)
	})
}

func TestRegisterPeriodically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t)
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		// Java: first periodic run 10 s after start, then every 30 s.
		for i, at := range []time.Duration{10 * time.Second, 40 * time.Second, 70 * time.Second} {
			e := r.ns.await(t, remoting.CodeRegisterBroker, i+2)
			require.False(t, e.Oneway)
			require.Equal(t, at, e.Time.Sub(start), "registration %d", i+2)
		}
		regs := r.b.Registrations()
		require.Equal(t, "periodic", regs[len(regs)-1].Reason)
	})
}

func TestRegisterIntervalIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		r := newRig(t, WithRegisterDelay(time.Second), WithRegisterInterval(5*time.Second))
		e := r.ns.await(t, remoting.CodeRegisterBroker, 4)
		require.Equal(t, 11*time.Second, e.Time.Sub(start))
	})
}

// A name server that never answers holds a registration for WithRegisterTimeout, then it is
// recorded as failed; Start goes on.
func TestRegisterTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		mem.SetBlackHole(nsAddr, true)
		b := New(append(baseOptions(mem, nsAddr), WithRegisterTimeout(2*time.Second))...)
		start := time.Now()
		require.NoError(t, b.Start())
		defer b.Crash()
		require.Equal(t, 2*time.Second, time.Since(start), "Start waited for the registration at start")
		regs := b.Registrations()
		require.Len(t, regs, 1)
		require.ErrorIs(t, regs[0].Err, context.DeadlineExceeded)
		require.EqualValues(t, -1, regs[0].ResponseCode)
	})
}

func TestRegisterWithEveryNameServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		a := newStubNS(t, mem, "127.0.0.1:9876")
		b := newStubNS(t, mem, "127.0.0.1:9877")
		br := New(baseOptions(mem, "127.0.0.1:9876", "127.0.0.1:9877")...)
		require.NoError(t, br.Start())
		a.await(t, remoting.CodeRegisterBroker, 1)
		b.await(t, remoting.CodeRegisterBroker, 1)
		require.NoError(t, br.Shutdown(context.Background()))
		a.await(t, remoting.CodeUnregisterBroker, 1)
		b.await(t, remoting.CodeUnregisterBroker, 1)
		// A name server that is down does not stop the others or the broker.
		require.NoError(t, b.srv.Close())
		require.NoError(t, br.Start())
		defer br.Crash()
		a.await(t, remoting.CodeRegisterBroker, 2)
		regs := br.Registrations()
		var failed int
		for _, reg := range regs {
			if reg.Err != nil {
				failed++
				require.Equal(t, "127.0.0.1:9877", reg.NameServer)
			}
		}
		require.Equal(t, 1, failed)
	})
}

func TestRegisterOnewayAfterAutoCreate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		before := r.b.DataVersion()
		r.send(remoting.CodeSendMessageV2, "NewTopic", 0, "hello", nil)
		e := r.ns.await(t, remoting.CodeRegisterBroker, 2)
		require.True(t, e.Oneway)
		body := regBody(t, e)
		tc := body.TopicConfigSerializeWrapper.TopicConfigTable["NewTopic"]
		require.Equal(t, int32(4), tc.WriteQueueNums)
		require.Equal(t, int32(6), tc.Perm)
		after := body.TopicConfigSerializeWrapper.DataVersion
		require.Equal(t, before.Counter+1, after.Counter)
		require.Equal(t, "auto-create", r.b.Registrations()[1].Reason)

		// A second send to the topic creates nothing and registers nothing.
		r.send(remoting.CodeSendMessageV2, "NewTopic", 1, "again", nil)
		synctest.Wait()
		require.Len(t, r.ns.registrations(), 2)
	})
}

func TestRegisterReadOnlyBrokerAdvertisesItsPermission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithPermission(protocol.PermRead), WithTopic("T1", 4))
		body := regBody(t, r.ns.await(t, remoting.CodeRegisterBroker, 1))
		for name, tc := range body.TopicConfigSerializeWrapper.TopicConfigTable {
			require.Equal(t, protocol.PermRead, tc.Perm, name)
		}
		// Back to read+write at run time: a two-way registration with the topics' own perms.
		r.b.SetPermission(context.Background(), protocol.PermRead|protocol.PermWrite)
		e := r.ns.await(t, remoting.CodeRegisterBroker, 2)
		require.False(t, e.Oneway)
		body = regBody(t, e)
		require.Equal(t, int32(7), body.TopicConfigSerializeWrapper.TopicConfigTable["TBW102"].Perm)
		require.Equal(t, int32(6), body.TopicConfigSerializeWrapper.TopicConfigTable["T1"].Perm)
	})
}

func TestRegisterCompressed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, WithCompressedRegister(true))
		e := r.ns.await(t, remoting.CodeRegisterBroker, 1)
		require.Equal(t, "true", e.ExtFields["compressed"])
		body := regBody(t, e)
		require.Contains(t, body.TopicConfigSerializeWrapper.TopicConfigTable, "TBW102")
	})
}

// The name server's ORDER_TOPIC_CONFIG table, in the answer to a start or periodic
// registration, makes topics ordered (and unordered again when they leave it).
func TestRegisterAnswerSetsOrderTopics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := remoting.NewMemNetwork()
		ns := newStubNS(t, mem, nsAddr)
		ns.setKV(map[string]string{"Ordered": "broker-a:4"})
		b := New(append(baseOptions(mem, nsAddr), WithTopic("Ordered", 4), WithTopic("Plain", 4))...)
		require.NoError(t, b.Start())
		defer b.Crash()
		tc, _ := b.Topic("Ordered")
		require.True(t, tc.Order)
		tc, _ = b.Topic("Plain")
		require.False(t, tc.Order)

		ns.setKV(map[string]string{})
		time.Sleep(10 * time.Second) // the first periodic registration
		synctest.Wait()
		tc, _ = b.Topic("Ordered")
		require.False(t, tc.Order)
	})
}

func TestSilenceStopsRegistrations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		r.b.Silence(true)
		require.True(t, r.b.Silenced())
		time.Sleep(5 * time.Minute)
		r.send(remoting.CodeSendMessageV2, "Auto", 0, "x", nil) // no oneway registration either
		synctest.Wait()
		require.Len(t, r.ns.registrations(), 1)
		require.True(t, r.b.Running())

		r.b.Silence(false)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		require.Len(t, r.ns.registrations(), 2)
	})
}

func TestShutdownUnregisters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.ns.await(t, remoting.CodeRegisterBroker, 1)
		require.NoError(t, r.b.Shutdown(context.Background()))
		e := r.ns.await(t, remoting.CodeUnregisterBroker, 1)
		require.Equal(t, map[string]string{
			"brokerName": "broker-a", "brokerAddr": brokerAddr, "clusterName": "DefaultCluster", "brokerId": "0",
		}, e.ExtFields)
		require.False(t, r.b.Running())
		// Stopped: no more registrations.
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Len(t, r.ns.registrations(), 1)
		last := r.b.Registrations()[len(r.b.Registrations())-1]
		require.Equal(t, remoting.CodeUnregisterBroker, last.Code)
		require.Equal(t, "shutdown", last.Reason)
	})
}

func TestAwaitRegistration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		reg, err := r.b.AwaitRegistration(ctx, func(reg Registration) bool { return reg.Reason == "periodic" })
		require.NoError(t, err)
		require.Equal(t, nsAddr, reg.NameServer)

		short, cancel2 := context.WithTimeout(context.Background(), time.Second)
		defer cancel2()
		_, err = r.b.AwaitRegistration(short, func(reg Registration) bool { return reg.Reason == "never" })
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}
