package container

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/rocketsim/rocketsim/admin"
	"github.com/rocketsim/rocketsim/protocol"
	"github.com/rocketsim/rocketsim/remoting"
)

// TestRun starts the official image and sends a message through the advertised address. It
// skips when no Docker provider is healthy.
func TestRun(t *testing.T) {
	testcontainers.SkipIfProviderIsNotHealthy(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	c, err := Run(ctx, DefaultImage)
	if err != nil {
		t.Fatal(err)
	}
	testcontainers.CleanupContainer(t, c.Container())

	cli := remoting.NewClient()
	defer func() { _ = cli.Close() }()
	info, err := admin.ClusterInfo(ctx, cli, c.NameServerAddr())
	if err != nil {
		t.Fatal(err)
	}
	if got := info.BrokerAddrTable[c.BrokerName()].BrokerAddrs[0]; got != c.BrokerAddr() {
		t.Fatalf("broker registered at %q, want %q", got, c.BrokerAddr())
	}
	h := protocol.SendMessageRequestHeader{
		ProducerGroup: "pg", Topic: "ContainerTopic", DefaultTopic: protocol.AutoCreateTopicKey,
		DefaultTopicQueueNums: 4, BornTimestamp: time.Now().UnixMilli(),
	}
	resp, err := cli.Invoke(ctx, c.BrokerAddr(), protocol.RequestWithHeader(remoting.CodeSendMessageV2, h.V2(), []byte("hello")))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Code != remoting.Success {
		t.Fatalf("send: code %d %s", resp.Code, resp.Remark)
	}
}

func TestBrokerConf(t *testing.T) {
	cfg := config{brokerName: "b1", cluster: "C", brokerIP: "10.0.0.5", extra: [][2]string{{"brokerPermission", "4"}}}
	got := brokerConf(cfg, 20911)
	for _, want := range []string{"brokerName=b1\n", "brokerClusterName=C\n", "brokerIP1=10.0.0.5\n", "listenPort=20911\n", "brokerPermission=4\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("broker.conf lacks %q:\n%s", want, got)
		}
	}
	if got := advertisedHost("localhost"); got != "127.0.0.1" {
		t.Errorf("advertisedHost(localhost) = %q", got)
	}
}

func TestFreeBrokerPort(t *testing.T) {
	p, err := freeBrokerPort()
	if err != nil || p < 12000 {
		t.Fatalf("freeBrokerPort() = %d, %v", p, err)
	}
}
