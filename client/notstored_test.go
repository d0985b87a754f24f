package client

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/rocketsim/rocketsim/fault"
	"github.com/rocketsim/rocketsim/remoting"
)

// A broker that stores a message but answers FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT or
// SLAVE_NOT_AVAILABLE gives a result with that status, not an error; with
// retryAnotherBrokerWhenNotStoreOK the send tries another broker (and the message is stored
// twice, as in Java), and when every attempt ends that way the last result comes back.
func TestNotStoredOKStatuses(t *testing.T) {
	tests := []struct {
		name        string
		code        int32
		retryOther  bool
		faultsEach  int // 0: every send
		wantStatus  SendStatus
		wantSends   int
		wantStored  int
		wantRetried bool
	}{
		{"flush disk timeout is a result", remoting.FlushDiskTimeout, false, 1, FlushDiskTimeout, 1, 1, false},
		{"flush slave timeout is a result", remoting.FlushSlaveTimeout, false, 1, FlushSlaveTimeout, 1, 1, false},
		{"slave not available is a result", remoting.SlaveNotAvailable, false, 1, SlaveNotAvailable, 1, 1, false},
		// each broker answers so once: attempts 1 and 2 go to both, attempt 3 is stored OK
		{"with retryAnotherBroker the next broker is tried", remoting.FlushDiskTimeout, true, 1, SendOK, 3, 3, true},
		{"with retryAnotherBroker every attempt may end that way", remoting.FlushDiskTimeout, true, 0, FlushDiskTimeout, 3, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, fakecluster2Brokers()...)
				for _, b := range []string{"broker-a", "broker-b"} {
					r.broker(b).Faults().Add(fault.Rule{Code: remoting.CodeSendMessageV2, Action: fault.ActionOverride,
						ResponseCode: tc.code, Times: tc.faultsEach})
				}
				p := r.started(WithRetryAnotherBrokerWhenNotStoreOK(tc.retryOther))
				res, err := p.Send(background, NewMessage("T", []byte("x")))
				require.NoError(t, err)
				require.Equal(t, tc.wantStatus, res.Status)
				require.Equal(t, tc.wantSends, r.requests("broker-a", remoting.CodeSendMessageV2)+r.requests("broker-b", remoting.CodeSendMessageV2))
				stored := r.c.Messages("T")
				require.Len(t, stored, tc.wantStored)
				for _, m := range stored {
					require.Equal(t, res.MsgID, m.MsgID, "every copy carries the one unique id")
				}
				if tc.wantRetried {
					brokers := map[string]bool{}
					for _, m := range stored {
						brokers[m.Broker] = true
					}
					require.Len(t, brokers, 2, "the retry goes to another broker")
				}
			})
		})
	}
}
