// Package load runs producers of our client (package client) against a RocketMQ cluster and
// counts what happened to every message: the engine behind "sim load" (design.md §3).
//
// A run starts an in-process fake cluster (loopback TCP by default, or a remoting.MemNetwork),
// or uses any name server given by Config.NameServer, fake or real; either way it reaches the
// cluster through one backend.Cluster (backend.Fake or backend.Remote), chosen in one place. Producers × senders send
// in one of four modes (sync, async, oneway, batch), at a rate or flat out, for a duration or
// a message count, while an optional Plan crashes, silences and slows brokers at its offsets.
// Every message carries a unique key in the user property KeyProperty; after the run the
// brokers' stores are read back from where their queues ended before the run
// (backend.Cluster.ScanMessages: the fakes' stores in process, PULL_MESSAGE over the wire
// otherwise) and every message is accounted for:
//
//   - sent: handed to the client;
//   - acked: the client reported success (sync: Send returned a result; async: the callback got
//     one; batch: per message of an acknowledged batch). Oneway sends get no acknowledgement:
//     in oneway mode acked counts the messages found in the stores;
//   - failed: sent - acked (a failed or unknown outcome is never acked);
//   - lost: acknowledged but absent from every broker's store;
//   - duplicated: extra stored copies of a message (a retry after an attempt the broker stored
//     anyway), summed over messages;
//   - dropped (only when some were): stored records of the run that the brokers' retention
//     deleted before the read-back (a store limit; backend.Cluster.MinOffsets past where a
//     queue ended before the run). Those queues are read from their min offsets, and lost is
//     then the acknowledged messages not found less dropped, when more: each deleted record
//     held at most one of them.
//
// When the stores cannot be read back, lost and duplicated are -1 ("not checked") and a note
// says why on the progress writer.
//
// With Config.Consumers (or a plan's consumers), consumers of our client (push with a
// concurrent listener, lite pull or orderly) consume the run's topics in a group of the run's
// own, from each queue's first offset, and the run is accounted at the consuming end too
// (Summary.Consumption): after the last send the consumers get up to Config.Drain to consume
// every acknowledged message, and those they did not are lost; consumptions beyond a message's
// first are duplicated, each with its reason (retry, rebalance, restart); redeliveries after a
// failed consumption; in orderly runs, where each sender sends in order to one queue, first
// consumptions that come after a later message of the same sender and queue; end-to-end
// latency from the born timestamp; and the lag, acknowledged and not yet consumed, at every
// sampling tick. Plans kill, restart, add, remove, pause and resume consumers.
//
// With a rate, each request has its slot in a fixed schedule, and the senders catch up after a
// stall; Summary.IntendedLatencyMicros counts from the slot (coordinated omission corrected),
// beside the service time in LatencyMicros.
//
// Result.Problems lists why a run fails: messages lost at either end, plan steps that failed or
// were not reached, failed sends beyond Config.MaxFailed, order violations; "sim load" exits 1
// when there is any.
//
// Live progress uses the columns of the Java benchmark tool (its Current Time as Elapsed(s)
// since the first send, Send TPS, Max RT, Average RT, Send Failed, Response Failed) followed by
// p50/p99/p99.9 of the interval from an HDR histogram, with consumers the interval's Consume
// TPS and the Lag, and last each broker's acknowledged messages, failed attempts and retries
// per second. WriteReport renders a self-contained HTML report with inline SVG charts, the
// plan's faults shaded from the step that began each to the one that ended it (Result.Windows).
package load
