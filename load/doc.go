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
//     anyway), summed over messages.
//
// When the stores cannot be read back, lost and duplicated are -1 ("not checked") and a note
// says why on the progress writer.
//
// Live progress uses the columns of the Java benchmark tool (Send TPS, Max RT, Average RT,
// Send Failed, Response Failed) followed by p50/p99/p99.9 of the interval from an HDR
// histogram; WriteReport renders a self-contained HTML report with inline SVG charts.
package load
