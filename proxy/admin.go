package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rocketsim/rocketsim/adminhttp"
	"github.com/rocketsim/rocketsim/fault"
)

// AdminHandler returns the proxy's admin HTTP API: the calls `sim serve` answers for the fakes
// that make sense in front of any cluster (package adminhttp), over the proxy's listeners.
//
//	GET    /v1/cluster                    the proxy's name server and a listener per master broker
//	POST   /v1/faults                     add a fault rule to "namesrv" or a broker name
//	GET    /v1/faults                     the rules in force, by target
//	DELETE /v1/faults                     clear every rule
//	POST   /v1/marks                      mark the timeline {"label"}; GET /v1/marks lists the marks
//	GET    /v1/history                    what the listeners received (?target= ?code= ?peer= ?since= ?until= ?limit=)
//	GET    /v1/events                     those requests, fault changes, broker changes and marks as server-sent events
//	GET    /v1, GET /                     the list of calls; GET / from a browser: the web console
//	POST   /v1/brokers/{name}/stop        take a broker offline as its clients see a crash
//	POST   /v1/brokers/{name}/start       bring it back
//	POST   /v1/brokers/{name}/blackhole   crash it, then make its address swallow connection attempts
//
// What only the fakes know (stored messages, client tables, transactions, groups) is not
// served: ask the cluster behind with its own tools, or through backend.Proxy.
func (p *Proxy) AdminHandler() http.Handler {
	mux := adminhttp.NewMux()
	adminhttp.Register(mux, adminServers{p})
	mux.HandleFunc("POST /v1/brokers/{name}/blackhole",
		"take a broker offline as a crash does, then make its address swallow connection attempts until start",
		func(w http.ResponseWriter, r *http.Request) {
			name := r.PathValue("name")
			switch err := p.BlackHoleBroker(name); {
			case errors.Is(err, ErrUnknownBroker):
				adminhttp.WriteError(w, http.StatusNotFound, fmt.Errorf("unknown broker %q", name))
			case errors.Is(err, errors.ErrUnsupported):
				adminhttp.WriteError(w, http.StatusNotImplemented, err)
			case err != nil:
				adminhttp.WriteError(w, http.StatusInternalServerError, err)
			default:
				adminhttp.WriteJSON(w, http.StatusOK, p.Status())
			}
		})
	return mux
}

// Status is what GET /v1/cluster answers: the proxy's name server, and for every broker name
// with a master the proxy's listener in front of it and whether it is running.
func (p *Proxy) Status() adminhttp.ClusterStatus {
	st := adminhttp.ClusterStatus{
		Cluster: p.Cluster(),
		NameSrv: adminhttp.ServerStatus{Name: NameServerTarget, Addr: p.NameServerAddr(), Online: true},
		Brokers: []adminhttp.ServerStatus{},
	}
	for _, b := range p.Brokers() {
		if b.ID == 0 {
			st.Brokers = append(st.Brokers, adminhttp.ServerStatus{Name: b.Name, Addr: b.Addr, Online: b.Running})
		}
	}
	return st
}

type adminServers struct{ p *Proxy }

func (s adminServers) Status() adminhttp.ClusterStatus         { return s.p.Status() }
func (s adminServers) Faults(t string) (*fault.Injector, bool) { return s.p.Faults(t) }
func (s adminServers) History(t string) (*fault.History, bool) { return s.p.History(t) }
func (s adminServers) CrashBroker(name string) error           { return s.p.CrashBroker(name) }
func (s adminServers) WatchBrokers(f func(adminhttp.BrokerEvent)) (stop func()) {
	return s.p.brokerFeed.WatchBrokers(f)
}
func (s adminServers) StartBroker(ctx context.Context, name string) error {
	return s.p.StartBroker(ctx, name)
}
func (s adminServers) Marks() *adminhttp.Marks { return &s.p.marks }
