package fakebroker

// server.go builds the broker's remoting.Server: every request family's handlers (Java's
// BrokerController.registerProcessor), the fault injector and the history around them, and the
// default processor for the other codes.

import (
	"context"
	"net/netip"
	"strconv"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

type handlerEntry struct {
	code    int32
	handler remoting.Handler
}

func (b *Broker) newServer() *remoting.Server {
	opts := append([]remoting.ServerOption{remoting.WithLogger(b.cfg.logger)}, b.cfg.remotingOpts...)
	srv := remoting.NewServer(opts...)
	fault.Install(srv, b.hist, b.inj)
	if b.acl != nil {
		srv.UseInline(nil, aclInterceptor(b.acl)) // checks, never waits
	}
	srv.OnConnClose(b.connClosed)
	seen := map[int32]bool{}
	inline := b.inlineHandlers()
	for _, family := range [][]handlerEntry{
		b.sendHandlers(), b.topicHandlers(), b.clientHandlers(), b.pullHandlers(),
		b.offsetHandlers(), b.consumerHandlers(), b.sendBackHandlers(), b.viewHandlers(),
		b.connectionHandlers(), b.subscriptionGroupHandlers(), b.lockHandlers(), b.consumerCallHandlers(),
		b.brokerConfigHandlers(), b.statsHandlers(), b.whoConsumesHandlers(), b.maintenanceHandlers(),
		b.queryHandlers(), b.consumeQueueHandlers(), b.aclHandlers(),
		b.transactionHandlers(), b.replyHandlers(),
	} {
		for _, e := range family {
			if seen[e.code] {
				panic("fakebroker: request code registered twice: " + strconv.Itoa(int(e.code)))
			}
			seen[e.code] = true
			if when, ok := inline[e.code]; ok {
				// The send path reads its header with Lookup (protocol.DecodeSendMessageRequestOf).
				srv.HandleInlineList(e.code, e.handler, when)
			} else {
				srv.Handle(e.code, e.handler)
			}
		}
	}
	// Codes nobody handles reach the broker's default processor (AdminBrokerProcessor), whose
	// answer, unlike the transport's own, keeps the request's serialize type (checked against a
	// real 4.9.7 broker by realrmq's differential test).
	srv.HandleDefault(func(_ context.Context, req *remoting.Request) *remoting.Command {
		return remoting.NewResponse(req.Command, remoting.RequestCodeNotSupported,
			" request type "+strconv.Itoa(int(req.Command.Code))+" not supported")
	})
	return srv
}

// connClosed is Java's ClientHousekeepingService.onChannelClose: the connection leaves every
// producer and consumer group at once, and its held pulls are forgotten.
func (b *Broker) connClosed(info remoting.ConnInfo) {
	b.pulls.dropConn(info.ID)
	b.clientsConnClosed(info.ID)
}

// remoteAddr is Java's RemotingHelper.parseChannelRemoteAddr of the request's connection.
func remoteAddr(req *remoting.Request) string {
	if req.Conn == nil {
		return ""
	}
	return req.Conn.RemoteAddr()
}

// bornHost is the address of the peer that sent req, as a message's born host.
func bornHost(req *remoting.Request) netip.AddrPort {
	if req.Conn == nil {
		return unknownHost
	}
	if ap := req.Conn.RemoteAddrPort(); ap.IsValid() {
		return ap
	}
	return unknownHost
}

// unknownHost is the born host of a message from a peer whose address is not an IP address.
var unknownHost = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)

func parseHost(addr string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return unknownHost
	}
	return ap
}
