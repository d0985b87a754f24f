package fakenamesrv

// Broker liveness: no request codes; the name server's own timers and connection events.
//
// Java (NamesrvController.initialize, RouteInfoManager.scanNotActiveBroker and
// onChannelDestroy, BrokerHousekeepingService at rocketmq-all-4.9.7):
//
//   - A scan runs 5 s after start, then every 10 s (scheduleAtFixedRate). Each broker address
//     whose last update (its last REGISTER_BROKER, or a QUERY_DATA_VERSION that found its
//     DataVersion unchanged) is more than 120 s old is removed and its connection closed. So a
//     broker that stops registering is gone 120–130 s after its last registration.
//   - A connection that closes, fails or idles out (the server closes connections silent for
//     120 s, remoting.DefaultIdleTimeout) removes at once the broker address registered over
//     it: a crashed broker leaves the routes as soon as its socket closes. Only the first
//     address registered over the connection goes (see registry.channelDestroyedLocked).
//   - Removing a broker's last address removes its name from its cluster and its queue data
//     from every topic; a topic left without queue data is deleted.
//
// Both intervals and the expiry are configurable here (WithScanInterval, WithBrokerExpiry);
// in Java they are fixed.

import (
	"time"

	"github.com/rocketsim/rocketsim/remoting"
)

func (s *Server) scanLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	first := time.NewTimer(s.cfg.scanDelay)
	defer first.Stop()
	select {
	case <-stop:
		return
	case <-first.C:
	}
	s.ScanNotActiveBrokers()
	tick := time.NewTicker(s.cfg.scanInterval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			s.ScanNotActiveBrokers()
		}
	}
}

// ScanNotActiveBrokers runs the expiry scan now, as the periodic scan does: it removes the
// brokers whose last update is more than the expiry ago, closes their connections, and returns
// their addresses.
func (s *Server) ScanNotActiveBrokers() []string {
	removed, conns := s.reg.scan(time.Now(), s.cfg.expiry)
	for _, addr := range removed {
		s.log.Warn("broker expired", "broker", addr, "expiry", s.cfg.expiry)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	return removed
}

// connClosed is the transport's hook for every connection that closes.
func (s *Server) connClosed(info remoting.ConnInfo) {
	s.reg.connClosed(info)
}
