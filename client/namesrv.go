package client

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rocketsim/rocketsim/remoting"
)

// httpFetchTimeout is Java's TopAddressing timeout.
const httpFetchTimeout = 3 * time.Second

// nameServers is the name-server list of an instance and the one in use: Java's
// namesrvAddrList, namesrvAddrChoosed and namesrvIndex in NettyRemotingClient.
type nameServers struct {
	mu      sync.Mutex
	list    []string
	chosen  string
	index   int
	fetched string        // the last text the HTTP endpoint answered
	lock    chan struct{} // namesrvChannelLock
}

func newNameServers(addrs []string) *nameServers {
	n := &nameServers{index: rand.IntN(999), lock: make(chan struct{}, 1)}
	n.update(addrs)
	return n
}

func (n *nameServers) empty() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.list) == 0
}

func (n *nameServers) snapshot() ([]string, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.list), n.chosen
}

// update is updateNameServerAddressList: the list changes only when its size differs or it has
// a new address, and the new list is shuffled so that clients spread over the name servers.
func (n *nameServers) update(addrs []string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(addrs) == 0 {
		return false
	}
	changed := len(addrs) != len(n.list)
	for _, a := range addrs {
		if !slices.Contains(n.list, a) {
			changed = true
		}
	}
	if !changed {
		return false
	}
	list := slices.Clone(addrs)
	rand.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	n.list = list
	if n.chosen != "" && !slices.Contains(list, n.chosen) {
		n.chosen = ""
	}
	return true
}

// pick returns the name server to ask: the chosen one while its connection is up, otherwise
// the next one in the list that accepts a connection.
func (n *nameServers) pick(ctx context.Context, rc *remoting.Client) (string, error) {
	n.mu.Lock()
	chosen := n.chosen
	n.mu.Unlock()
	if chosen != "" && rc.IsConnected(chosen) {
		return chosen, nil
	}
	if !tryLock(ctx, n.lock, lockTimeout) {
		return "", &remoting.ConnectError{Addr: "null", Err: ctx.Err()}
	}
	defer unlock(n.lock)
	n.mu.Lock()
	list := slices.Clone(n.list)
	if n.chosen != "" && n.chosen != chosen && rc.IsConnected(n.chosen) {
		chosen = n.chosen
		n.mu.Unlock()
		return chosen, nil
	}
	n.mu.Unlock()
	if len(list) == 0 {
		return "", clientError(CodeNoNameServer, suggestFAQ("No name server address, please set it."), errNoNameServer)
	}
	var lastErr error
	for range list {
		n.mu.Lock()
		n.index++
		addr := list[(n.index&0x7fffffff)%len(list)]
		n.mu.Unlock()
		if _, err := rc.Conn(ctx, addr); err != nil {
			lastErr = err
			continue
		}
		n.mu.Lock()
		n.chosen = addr
		n.mu.Unlock()
		return addr, nil
	}
	return "", &remoting.ConnectError{Addr: "[" + strings.Join(list, ", ") + "]", Err: lastErr}
}

// forget un-chooses addr after a failed request and closes its connection.
func (n *nameServers) forget(addr string, rc *remoting.Client) {
	n.mu.Lock()
	if n.chosen == addr {
		n.chosen = ""
	}
	n.mu.Unlock()
	rc.CloseConn(addr)
}

// nameServerURL is Java's TopAddressing URL for the domain, subgroup and unit.
func nameServerURL(domain, subgroup, unit string) string {
	host := domain
	if !strings.Contains(domain, ":") {
		host += ":8080"
	}
	u := "http://" + host + "/rocketmq/" + subgroup
	if unit != "" {
		u += "-" + unit + "?nofix=1"
	}
	return u
}

// fetchNameServers is fetchNameServerAddr: read the list over HTTP, and take it when the text
// changed. Failures are only logged, as in Java.
func (inst *instance) fetchNameServers(ctx context.Context) {
	text, err := fetchNameServerText(ctx, inst.cfg.httpClient, nameServerURL(inst.cfg.nsDomain, inst.cfg.nsSubgroup, inst.cfg.unitName))
	if err != nil {
		inst.cfg.logger.Warn("fetch name server address failed", "err", err)
		return
	}
	inst.ns.mu.Lock()
	same := text == inst.ns.fetched
	inst.ns.fetched = text
	inst.ns.mu.Unlock()
	if !same {
		inst.ns.update(splitNameServers(text))
	}
}

func fetchNameServerText(ctx context.Context, hc *http.Client, url string) (string, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, httpFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", &httpStatusError{url: url, status: resp.Status}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_, _ = io.Copy(io.Discard, resp.Body)
	if err != nil {
		return "", err
	}
	text := clearNewLine(string(body))
	if text == "" {
		return "", &httpStatusError{url: url, status: "empty answer"}
	}
	return text, nil
}

// clearNewLine is TopAddressing.clearNewLine: the answer is trimmed first (Java's String.trim:
// every character up to ' ' at either end), then cut before its first '\r', or when it has
// none before its first '\n'. So blank lines ahead of the list do not hide it, and a '\r'
// wins over an earlier '\n'.
func clearNewLine(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if i := strings.IndexByte(s, '\r'); i >= 0 {
		return s[:i]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

type httpStatusError struct{ url, status string }

func (e *httpStatusError) Error() string {
	return "fetch name server address from " + e.url + ": " + e.status
}
