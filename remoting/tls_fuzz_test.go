package remoting

import (
	"context"
	"crypto/tls"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rocketsim/rocketsim/internal/testcert"
	"github.com/rocketsim/rocketsim/internal/testkit"
)

// FuzzPermissiveFirstBytes throws arbitrary openings (plain frames, TLS records, junk) at a
// permissive server, which tells plain from TLS by the first byte: whatever comes, the server
// does not panic, closes or serves that connection only, and still answers a TLS client and a
// plain one.
func FuzzPermissiveFirstBytes(f *testing.F) {
	addGoldenSeeds(f)
	f.Add([]byte{tlsHandshakeRecord})
	f.Add([]byte{tlsHandshakeRecord, 3, 1, 0, 5, 1, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 0, 0})
	serverTLS, _ := testcert.New(f)
	f.Fuzz(func(t *testing.T, opening []byte) {
		synctest.Test(t, func(t *testing.T) {
			mem := NewMemNetwork()
			srv := startMemServer(t, mem, "broker-a:10911", WithTLS(serverTLS), WithTLSMode(TLSPermissive),
				WithFrameReadTimeout(time.Second), WithMaxFrameSize(1<<20))
			nc := memDial(t, mem, "broker-a:10911")
			go func() { _, _ = nc.Write(opening) }()
			time.Sleep(2 * time.Second) // past the frame-read timeout: a partial frame is closed
			_ = nc.Close()
			// The fake clock is in 2000, before the certificate: trust it as a Java client does.
			for _, opts := range [][]ClientOption{nil, {WithTLS(&tls.Config{InsecureSkipVerify: true})}} {
				c := NewClient(append([]ClientOption{WithDialer(mem.Dial), WithLogger(testkit.Quiet)}, opts...)...)
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				_, err := c.Invoke(ctx, "broker-a:10911", request(CodeHeartBeat, ""))
				cancel()
				_ = c.Close()
				if err != nil {
					t.Fatalf("a good client after opening %x: %v", opening, err)
				}
			}
			_ = srv.Close()
		})
	})
}
