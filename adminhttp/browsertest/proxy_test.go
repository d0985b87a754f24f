package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/proxy"
	"github.com/rocketsim/rocketsim/remoting"
)

// The console over `sim proxy` in front of a fake cluster: the page loads with the proxy's
// listeners as the brokers and says what the proxy does not serve; a fault added from the form
// refuses the next send through the proxy, before the broker sees it, and the timeline shows
// the refused request on the proxy's listener.
func TestConsoleOverTheProxy(t *testing.T) {
	exe := chromium(t)
	cluster := fakecluster.Start(t, fakecluster.WithBrokers(2), fakecluster.WithTopic("Orders", 4))
	p, err := proxy.New(cluster.NameServerAddr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	startCtx, cancelStart := context.WithTimeout(t.Context(), browserTimeout)
	defer cancelStart()
	require.NoError(t, p.Start(startCtx))
	web := newAdminServer(t, p.AdminHandler())

	// Every send goes to broker-a's queue 0, so that the fault on broker-a is the one it meets.
	pr, err := client.NewProducer(client.WithGroup("orders"), client.WithNameServers(p.NameServerAddr()), client.WithRetries(0))
	require.NoError(t, err)
	require.NoError(t, pr.Start())
	defer pr.Shutdown()
	queue := client.MessageQueue{Topic: "Orders", BrokerName: "broker-a", QueueID: 0}
	_, err = pr.SendToQueue(context.Background(), client.NewMessage("Orders", []byte("before")), queue)
	require.NoError(t, err)
	viaProxy, ok := p.Broker("broker-a")
	require.True(t, ok)

	ctx := browser(t, exe)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(web+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#cluster tbody tr[data-server="broker-b"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-stream="live"]`)),
		// The proxy keeps no state of the cluster: those sections say so instead of failing.
		chromedp.WaitVisible(chromedp.CSS(`#topics tbody td.muted`)),
	))
	require.Equal(t, viaProxy.Addr, text(ctx, t, `#cluster tbody tr[data-server="broker-a"] td:nth-child(2)`),
		"the console names the proxy's listener, not the broker behind it")
	require.Contains(t, text(ctx, t, `#topics tbody td.muted`), "not served here")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#fault-target`), "broker-a"),
		chromedp.SetValue(chromedp.CSS(`#fault-code`), "310"),
		chromedp.SetValue(chromedp.CSS(`#fault-action`), "error"),
		chromedp.SetValue(chromedp.CSS(`#fault-response`), "2"),
		chromedp.SetValue(chromedp.CSS(`#fault-remark`), "busy, from the proxy's console"),
		chromedp.SetValue(chromedp.CSS(`#fault-times`), "0"), // until cleared: its row stays to show its hit
		chromedp.Click(chromedp.CSS(`#fault-add`)),
		chromedp.WaitVisible(chromedp.CSS(`#faults tbody tr`)),
	))

	_, err = pr.SendToQueue(context.Background(), client.NewMessage("Orders", []byte("refused")), queue)
	var refused *client.BrokerError
	require.ErrorAs(t, err, &refused, "the rule added from the form refuses the next send through the proxy")
	require.Equal(t, remoting.SystemBusy, refused.Code)
	require.Len(t, cluster.Messages("Orders"), 1, "the refused send never reached the broker")

	failed := `#timeline g.arrow.failed[data-code="310"][data-target="broker-a"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(failed)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#faults td.hits").textContent === "1"`),
	))
	require.Contains(t, text(ctx, t, failed+` text`), "SEND_MESSAGE_V2 (310) → 2 busy, from the proxy's console [fault: error]")
}
