// Package browsertest drives the admin API's web console in headless Chromium (chromedp). It
// is a module of its own so that users of rocketsim never pull chromedp.
package browsertest

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakecluster"
	"github.com/rocketsim/rocketsim/remoting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chromium finds Debian's chromium; without one the test skips, unless
// ROCKETSIM_REQUIRE_CHROMIUM=1 (CI) makes that a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("ROCKETSIM_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("ROCKETSIM_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("no chromium found, and ROCKETSIM_REQUIRE_CHROMIUM=1")
	}
	t.Skip("no chromium found (set ROCKETSIM_CHROMIUM or install Debian's chromium)")
	return ""
}

// browserTimeout bounds the whole browser session, so that a console that never shows what it
// must fails the test instead of hanging it.
const browserTimeout = 90 * time.Second

// A fault added from the console's form makes the next send fail, and the live timeline shows
// that request failed with the form's remark. ROCKETSIM_CONSOLE_SCREENSHOT=FILE saves the
// page as a PNG (docs/console.png is made so).
func TestConsoleFaultFormFailsTheNextSend(t *testing.T) {
	exe := chromium(t)
	cluster := fakecluster.Start(t, fakecluster.WithTopic("Orders", 4))
	web := newAdminServer(t, cluster.AdminHandler())

	p, err := client.NewProducer(client.WithGroup("orders"), client.WithNameServers(cluster.NameServerAddr()))
	require.NoError(t, err)
	require.NoError(t, p.Start())
	defer p.Shutdown()
	msg := client.NewMessage("Orders", []byte(`{"order":42,"item":"rocket"}`))
	msg.SetTags("created")
	_, err = p.Send(context.Background(), msg)
	require.NoError(t, err)

	ctx := browser(t, exe)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(web+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#cluster tbody tr[data-server="broker-a"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-stream="live"]`)),
	))

	// A consumer that starts while the page is open shows in the tables of clients and groups
	// without a refresh: its heartbeat has them read again.
	consumer, err := client.NewPushConsumer(client.WithGroup("billing"), client.WithNameServers(cluster.NameServerAddr()),
		client.WithConcurrentListener(func(context.Context, []*client.MessageExt, *client.ConsumeConcurrentlyContext) (client.ConsumeConcurrentlyStatus, error) {
			return client.ConsumeSuccess, nil
		}))
	require.NoError(t, err)
	require.NoError(t, consumer.Subscribe("Orders", "*"))
	require.NoError(t, consumer.Start())
	defer consumer.Shutdown()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("#clients tbody td:nth-child(4)")].some((td) => td.textContent.includes("billing"))`),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("#groups tbody td:first-child")].some((td) => td.textContent.startsWith("billing"))`),
	))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#fault-target`), "broker-a"),
		chromedp.SetValue(chromedp.CSS(`#fault-code`), "310"),
		chromedp.SetValue(chromedp.CSS(`#fault-action`), "error"),
		chromedp.SetValue(chromedp.CSS(`#fault-response`), "2"),
		chromedp.SetValue(chromedp.CSS(`#fault-remark`), "busy, from the console"),
		chromedp.SetValue(chromedp.CSS(`#fault-times`), "0"),
		chromedp.Click(chromedp.CSS(`#fault-add`)),
		chromedp.WaitVisible(chromedp.CSS(`#faults tbody tr`)),
	))

	_, err = p.Send(context.Background(), msg)
	var refused *client.BrokerError
	require.ErrorAs(t, err, &refused, "the rule added from the form refuses the next send")
	require.Equal(t, remoting.SystemBusy, refused.Code)

	failed := `#timeline g.arrow.failed[data-code="310"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(failed)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#faults td.hits").textContent === "1"`),
	))
	label := text(ctx, t, failed+` text`)
	require.Contains(t, label, "SEND_MESSAGE_V2 (310) → 2 busy, from the console [fault: error]")

	// A mark posted to the admin API, as sim load -sim-admin posts a plan's steps, and one made
	// from Go, as sim load -admin makes them, each appear on the timeline as a marker across it,
	// after the failed send.
	resp, err := http.Post(web+"/v1/marks", "application/json", strings.NewReader(`{"label":"test phase: broker-a refuses sends"}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	_ = resp.Body.Close()
	cluster.Mark("fault broker-a error code 2 on SEND_MESSAGE_V2")
	posted := `#timeline g.mark[data-label="test phase: broker-a refuses sends"]`
	fromGo := `#timeline g.mark[data-label="fault broker-a error code 2 on SEND_MESSAGE_V2"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(posted)), chromedp.WaitVisible(chromedp.CSS(fromGo))))
	require.Contains(t, text(ctx, t, posted+` text`), "test phase: broker-a refuses sends")
	order, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#timeline > g.arrow.failed[data-code="310"], #timeline > g.mark')].map((g) => g.dataset.label || "failed")`))
	require.NoError(t, err)
	require.Equal(t, []string{"failed", "test phase: broker-a refuses sends", "fault broker-a error code 2 on SEND_MESSAGE_V2"}, order)
	spans, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const line = document.querySelector('#timeline g.mark line').getBBox();
		const lifelines = [...document.querySelectorAll('#timeline line.lifeline')].map((l) => +l.getAttribute('x1'));
		return line.x <= Math.min(...lifelines) && line.x + line.width >= Math.max(...lifelines);
	})()`))
	require.NoError(t, err)
	require.True(t, spans, "a mark spans every lifeline")
	// Sends after the marks, so that the screenshot shows requests on both sides of them, and
	// enough of them that the timeline box scrolls.
	for range 3 {
		_, err = p.Send(context.Background(), msg)
		require.Error(t, err, "the rule is still in force")
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.querySelectorAll('#timeline g.arrow.failed[data-code="310"]').length >= 4`)))

	// The timeline box scrolls by now (it keeps its newest request in view), and the lifelines'
	// names stay visible at its top, over the requests that scrolled under them.
	heads, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const wrap = document.querySelector('#timeline-wrap');
		if (wrap.scrollTop === 0 || wrap.scrollHeight <= wrap.clientHeight) return ["the timeline box did not scroll"];
		const box = wrap.getBoundingClientRect();
		return [...document.querySelectorAll('#timeline-head text.head')].map((h) => {
			const r = h.getBoundingClientRect();
			const seen = r.top >= box.top && r.bottom <= box.bottom && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === h;
			return seen ? h.textContent : "hidden: " + h.textContent;
		});
	})()`))
	require.NoError(t, err)
	require.Equal(t, []string{"client 127.0.0.1", "namesrv", "broker-a"}, heads)

	// The stored message, browsed in the console with its properties decoded.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#msg-topic`), "Orders"),
		chromedp.Click(chromedp.CSS(`#messages-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages pre.body`)),
	))
	require.Equal(t, `{"order":42,"item":"rocket"}`, text(ctx, t, `#messages pre.body`))
	require.Contains(t, text(ctx, t, `#messages tbody td:nth-child(6) pre`), "TAGS=created")

	if out := os.Getenv("ROCKETSIM_CONSOLE_SCREENSHOT"); out != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		abs, err := filepath.Abs(out)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(abs, png, 0o644))
		t.Logf("screenshot: %s", abs)
	}
}

// browser starts headless Chromium for the test's length and returns its first tab's context,
// bounded by browserTimeout.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.WindowSize(1400, 1300))...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(cancel)
	// Start the browser now, with its first tab, so that chromedp.NewContext(ctx) opens more
	// tabs in it rather than a browser of its own per tab.
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

func text(ctx context.Context, t *testing.T, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(css)))
	require.NoError(t, err)
	return s
}
