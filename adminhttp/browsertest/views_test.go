package browsertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
)

// The console's views of the cluster's state, read from the page as a user sees them: a topic
// with its route (each broker's queues and permission), a producer's and a consumer's client id
// with their groups, a consumer group's offsets and lag on each queue after N messages were sent
// and some of them consumed, and browsed messages with a text body shown as text, a binary body
// as hex, and a user property decoded.
func TestConsoleShowsTopicsClientsGroupsAndMessages(t *testing.T) {
	exe := chromium(t)
	cluster := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Ledger", 2), fakecluster.WithTopicOn("Audit", 1, "broker-b"))
	web := newAdminServer(t, cluster.AdminHandler())
	ctx := context.Background()
	// Clients and their subscriptions reach the brokers with heartbeats: often, so that the
	// page has them soon.
	const heartbeats = 100 * time.Millisecond

	p, err := client.NewProducer(client.WithGroup("ledger-writers"), client.WithInstanceName("writer"),
		client.WithNameServers(cluster.NameServerAddr()), client.WithHeartbeatInterval(heartbeats))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	q0 := client.MessageQueue{Topic: "Ledger", BrokerName: "broker-a", QueueID: 0}
	q1 := client.MessageQueue{Topic: "Ledger", BrokerName: "broker-a", QueueID: 1}
	// Three text messages with a user property on queue 0, two binary ones on queue 1.
	for range 3 {
		msg := client.NewMessage("Ledger", []byte("debit 7 rockets"))
		require.NoError(t, msg.PutUserProperty("tenant", "acme"))
		_, err = p.SendToQueue(ctx, msg, q0)
		require.NoError(t, err)
	}
	for range 2 {
		_, err = p.SendToQueue(ctx, client.NewMessage("Ledger", []byte{0x00, 0xff, 0x10, 0x7f}), q1)
		require.NoError(t, err)
	}

	// The group consumed one message of queue 0 and none of queue 1: its commits say so (the
	// one of queue 1 at once rather than when the consumer persists the offset it starts from).
	c, err := client.NewLitePullConsumer(client.WithGroup("billing"), client.WithInstanceName("biller"),
		client.WithNameServers(cluster.NameServerAddr()), client.WithAutoCommit(false), client.WithHeartbeatInterval(heartbeats))
	require.NoError(t, err)
	require.NoError(t, c.Assign([]client.MessageQueue{q0, q1}))
	require.NoError(t, c.Start())
	defer c.Shutdown()
	require.NoError(t, c.CommitOffsets(ctx, map[client.MessageQueue]int64{q0: 1, q1: 0}, true))
	require.NotEqual(t, p.ClientID(), c.ClientID(), "two clients, so that the page shows each with its own groups")

	browserCtx := browser(t, exe)
	require.NoError(t, chromedp.Do(browserCtx,
		chromedp.Navigate(web+"/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-stream="live"]`)),
		// Refreshed until both clients' heartbeats (with the consumer's subscription) are in.
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`(() => {
			const has = (table, s) => document.querySelector(table + " tbody").textContent.includes(s);
			const ok = has("#clients", %q) && has("#clients", %q) && has("#groups", %q) && has("#groups", "lag 4");
			if (!ok) document.querySelector("#refresh").click();
			return ok;
		})()`, p.ClientID(), c.ClientID(), c.ClientID()), chromedp.WithPollingInterval(200*time.Millisecond)),
	))

	topics := tableRows(browserCtx, t, "#topics")
	require.Contains(t, topics, []string{"Ledger", "broker-a", "2/2", "RW", ""})
	require.Contains(t, topics, []string{"Ledger", "broker-b", "2/2", "RW", ""})
	require.Contains(t, topics, []string{"Audit", "broker-b", "1/1", "RW", ""})
	require.NotContains(t, topics, []string{"Audit", "broker-a", "1/1", "RW", ""}, "Audit's route has broker-b only")

	clients := tableRows(browserCtx, t, "#clients")
	// Every client instance also has the producer group of Java's inner producer.
	require.Contains(t, clientGroups(t, clients), [3]string{p.ClientID(), "CLIENT_INNER_PRODUCER, ledger-writers", ""})
	require.Contains(t, clientGroups(t, clients), [3]string{c.ClientID(), "CLIENT_INNER_PRODUCER", "billing"})

	groups := tableRows(browserCtx, t, "#groups")
	require.Contains(t, groups, []string{"billing\nlag 4", c.ClientID(), "broker-a", "Ledger", "0", "3", "1", "2"},
		"3 sent to queue 0, 1 consumed: lag 2")
	require.Contains(t, groups, []string{"broker-a", "Ledger", "1", "2", "0", "2"},
		"2 sent to queue 1, none consumed: the whole queue is lag")

	// Queue 0 as text, with its property; queue 1 as hex.
	require.NoError(t, chromedp.Do(browserCtx,
		chromedp.SetValue(chromedp.CSS(`#msg-topic`), "Ledger"),
		chromedp.SetValue(chromedp.CSS(`#msg-queue`), "0"),
		chromedp.SetValue(chromedp.CSS(`#msg-format`), "text"),
		chromedp.Click(chromedp.CSS(`#messages-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages pre.body`)),
	))
	texts := tableRows(browserCtx, t, "#messages")
	require.Len(t, texts, 3)
	for _, row := range texts {
		require.Equal(t, []string{"broker-a", "0"}, row[:2])
		require.Equal(t, "debit 7 rockets", row[6], "a text body shown as text")
		require.Contains(t, row[5], "tenant=acme", "the user property, decoded")
	}
	require.NoError(t, chromedp.Do(browserCtx,
		chromedp.SetValue(chromedp.CSS(`#msg-queue`), "1"),
		chromedp.SetValue(chromedp.CSS(`#msg-format`), "hex"),
		chromedp.Click(chromedp.CSS(`#messages-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("#messages tbody tr td:nth-child(2)")].every((td) => td.textContent === "1")`),
	))
	hexes := tableRows(browserCtx, t, "#messages")
	require.Len(t, hexes, 2)
	for _, row := range hexes {
		require.Equal(t, "00 ff 10 7f", row[6], "a binary body shown as hex")
	}
}

// tableRows reads a table's body as the user sees it: each row's cells' rendered text.
func tableRows(ctx context.Context, t *testing.T, table string) [][]string {
	t.Helper()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll("`+table+` tbody tr")].map((tr) => [...tr.cells].map((td) => td.innerText.trim()))`))
	require.NoError(t, err)
	return rows
}

// clientGroups keeps the client id, producer groups and consumer groups of #clients' rows.
func clientGroups(t *testing.T, rows [][]string) [][3]string {
	t.Helper()
	var out [][3]string
	for _, r := range rows {
		require.Len(t, r, 5)
		out = append(out, [3]string{r[0], r[2], r[3]})
	}
	return out
}
