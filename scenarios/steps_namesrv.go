package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rocketsim/rocketsim/client"
	"github.com/rocketsim/rocketsim/fakenamesrv"
	"github.com/rocketsim/rocketsim/remoting"
)

// nsEndpointHost is where the scenario's HTTP name-server address endpoint listens.
const nsEndpointHost = "nsaddr.rocketsim:8080"

// nameServerAddr stands for the cluster's name server in the lists the steps read and write.
const nameServerAddr = "the name server's address"

// Name-server steps: the HTTP address endpoint producers without a list read, and the lists
// producers hold.
func (w *World) nameServerSteps() []stepDef {
	return []stepDef{
		step(`^an HTTP address endpoint serving (an address where no name server listens|the name server's address)$`,
			"serves a name-server list over HTTP, as Java's TopAddressing reads it (http://domain:8080/rocketmq/nsaddr)",
			func(what string) error {
				addr := "127.0.0.1:1"
				if what == nameServerAddr {
					addr = w.cluster.NameServerAddr()
				}
				return w.startEndpoint(addr)
			}).alias("address server", "jmenv", "http"),
		step(`^the endpoint serves the name server's address$`,
			"the endpoint's answer becomes the cluster's name-server address",
			func() error { return w.serve(w.cluster.NameServerAddr()) }),
		step(`^the endpoint serves "(.*)"$`,
			`the endpoint's answer becomes the text, with \n, \r and \t read as line breaks and tabs`,
			func(text string) error {
				return w.serve(strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t").Replace(text))
			}).alias("answers", "returns"),
		step(`^the endpoint serves the same addresses in reverse order$`,
			"the endpoint's answer lists its addresses backwards; every producer's name-server list is noted first",
			func() error {
				if w.endpoint == nil {
					return errors.New("no endpoint")
				}
				w.noteNameServers()
				addrs := splitList(w.endpointText, ";")
				slices.Reverse(addrs)
				return w.serve(strings.Join(addrs, ";"))
			}).alias("reorder", "shuffle"),
		step(`^the endpoint was asked (\d+) times?$`,
			"so many requests have reached the endpoint since it started",
			func(n int) error {
				if w.endpoint == nil {
					return errors.New("no endpoint")
				}
				if got := w.endpoint.Requests(); got != n {
					return fmt.Errorf("the endpoint was asked %d times, want %d", got, n)
				}
				return nil
			}).alias("fetched", "requests", "polled"),
		step(`^a producer "([^"]*)" in group "([^"]*)" that reads its name servers from the endpoint$`,
			"creates a producer without a name-server list that fetches it from the endpoint: at start, 10 s later, then every 2 minutes",
			func(name, group string) error { return w.newEndpointProducer(name, group, false) }).
			alias("http name server", "fetch name servers"),
		step(`^a producer "([^"]*)" in group "([^"]*)" with the name server's address that could also read the endpoint$`,
			"creates a producer with a name-server list and the endpoint configured: a fixed list is never fetched",
			func(name, group string) error { return w.newEndpointProducer(name, group, true) }),
		step(`^producer "([^"]*)" reads name servers "([^"]*)"$`,
			"the producer's client instance holds exactly these name servers, in any order (\""+nameServerAddr+"\" stands for the cluster's)",
			func(name, list string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				var want []string
				for _, a := range splitList(list, ",") {
					if a == nameServerAddr {
						a = w.cluster.NameServerAddr()
					}
					want = append(want, a)
				}
				got := ps.p.Snapshot().NameServers
				if diff := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))); diff != "" {
					return fmt.Errorf("name servers of %s (-want +got):\n%s", name, diff)
				}
				return nil
			}).alias("name-server list", "namesrv list", "knows the name server"),
		step(`^producer "([^"]*)" kept its name servers in their order$`,
			"the producer's name-server list is the one noted before, in the same order: an unchanged set is not shuffled again",
			func(name string) error {
				ps, err := w.producer(name)
				if err != nil {
					return err
				}
				noted, ok := w.notedNS[name]
				if !ok {
					return fmt.Errorf("no name-server list of %s was noted", name)
				}
				if got := ps.p.Snapshot().NameServers; !slices.Equal(noted, got) {
					return fmt.Errorf("producer %s holds %v, it held %v", name, got, noted)
				}
				return nil
			}).alias("unchanged", "same order"),
		step(`^producers "([^"]*)" do not all hold their name servers in one order$`,
			"the producers' client instances shuffled the list they were given, each its own way, so that clients spread over the name servers",
			func(names string) error {
				orders := map[string]bool{}
				for _, name := range splitList(names, ",") {
					ps, err := w.producer(name)
					if err != nil {
						return err
					}
					orders[strings.Join(ps.p.Snapshot().NameServers, ";")] = true
				}
				if len(orders) < 2 {
					return fmt.Errorf("every producer holds its name servers in one order: %v", orders)
				}
				return nil
			}).alias("shuffled", "random order", "spread"),
	}
}

func (w *World) startEndpoint(addrs ...string) error {
	if w.cluster == nil {
		return errors.New("the scenario has no cluster")
	}
	return w.in(func() error {
		var l net.Listener
		var err error
		if mem, ok := memNetwork(w.cluster); ok {
			l, err = mem.Listen(nsEndpointHost)
		} else {
			// On TCP the endpoint takes a free loopback port, and the producers' HTTP client
			// reaches it whatever host the domain names.
			l, err = net.Listen("tcp", "127.0.0.1:0")
			if err == nil {
				addr := l.Addr().String()
				w.endpointDial = func(ctx context.Context, network, _ string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				}
			}
		}
		if err != nil {
			return err
		}
		w.endpoint = fakenamesrv.NewAddrEndpoint(addrs...)
		w.endpointText = strings.Join(addrs, ";")
		w.endpointSrv = fakenamesrv.NewAddrServer(w.endpoint)
		return w.endpointSrv.Start(l)
	})
}

// serve makes the endpoint answer text.
func (w *World) serve(text string) error {
	if w.endpoint == nil {
		return errors.New("no endpoint")
	}
	w.endpoint.Set(text)
	w.endpointText = text
	return nil
}

// noteNameServers keeps every producer's name-server list as it is now.
func (w *World) noteNameServers() {
	w.notedNS = map[string][]string{}
	for name, ps := range w.producers {
		w.notedNS[name] = ps.p.Snapshot().NameServers
	}
}

// httpClientOver is an HTTP client that dials with d (Java's TopAddressing timeout, 3 s).
func httpClientOver(d remoting.DialFunc) *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d(ctx, network, addr)
		},
		DisableKeepAlives: true, // no idle connection outlives the scenario's bubble
	}}
}

// newEndpointProducer creates a producer that knows the endpoint (every 2 minutes, the first
// time 10 s after start, as Java), with the name server's address as its list when withList.
func (w *World) newEndpointProducer(name, group string, withList bool) error {
	if w.endpoint == nil {
		return errors.New("no endpoint")
	}
	opts := []client.Option{client.WithNameServerDomain(nsEndpointHost, client.DefaultNameServerSubgroup,
		w.scale(client.DefaultNameServerFetchInterval), w.scale(client.DefaultNameServerFetchDelay))}
	if w.endpointDial != nil {
		opts = append(opts, client.WithHTTPClient(httpClientOver(w.endpointDial)))
	}
	return w.newProducer(name, group, withList, opts...)
}
