package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fakecluster"
)

// Behind -admin-token, the console takes the token from the URL's fragment (and drops it from
// the address bar), or asks for it when a call is refused, and sends it on every call and on
// the event stream: the brokers show, the stream goes live, and a fault added from the form is
// taken.
func TestConsoleWithAdminToken(t *testing.T) {
	exe := chromium(t)
	cluster := fakecluster.Start(t)
	web := newAdminServer(t, adminhttp.RequireToken("s3cret", cluster.AdminHandler()))
	ctx := browser(t, exe)

	t.Run("from the fragment", func(t *testing.T) {
		tab, cancel := chromedp.NewContext(ctx)
		defer cancel()
		require.NoError(t, chromedp.Do(tab,
			chromedp.Navigate(web+"/#token=s3cret"),
			chromedp.WaitVisible(chromedp.CSS(`#cluster tbody tr[data-server="broker-a"]`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-stream="live"]`)),
			chromedp.SetValue(chromedp.CSS(`#fault-target`), "broker-a"),
			chromedp.SetValue(chromedp.CSS(`#fault-code`), "310"),
			chromedp.Click(chromedp.CSS(`#fault-add`)),
			chromedp.WaitVisible(chromedp.CSS(`#faults tbody tr`)),
		))
		hash, err := chromedp.Run(tab, chromedp.Evaluate[string](`location.hash`))
		require.NoError(t, err)
		require.Empty(t, hash, "the token is dropped from the address bar")
		inj, err := cluster.Faults("broker-a")
		require.NoError(t, err)
		require.Len(t, inj.Rules(), 1, "the form's fault was taken with the token")
	})

	t.Run("asked for", func(t *testing.T) {
		tab, cancel := chromedp.NewContext(ctx) // a tab of its own: its sessionStorage is empty
		defer cancel()
		require.NoError(t, chromedp.Do(tab,
			chromedp.Navigate(web+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#token-form`)),
			chromedp.SendKeys(chromedp.CSS(`#token-input`), "guess"),
			chromedp.Click(chromedp.CSS(`#token-use`)),
			chromedp.Poll[chromedp.Void](`document.querySelector("#token-why").textContent === "wrong admin API token" && !document.querySelector("#token-form").hidden`),
			chromedp.SendKeys(chromedp.CSS(`#token-input`), "s3cret"),
			chromedp.Click(chromedp.CSS(`#token-use`)),
			chromedp.WaitVisible(chromedp.CSS(`#cluster tbody tr[data-server="broker-a"]`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-stream="live"]`)),
			chromedp.WaitNotVisible(chromedp.CSS(`#token-form`)),
		))
	})
}
