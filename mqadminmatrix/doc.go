// Package mqadminmatrix runs Apache RocketMQ's own admin tool, mqadmin (rocketmq-tools 4.9.7
// from Maven Central), against the fakes (the sim serve binary, built by the test and run as
// the real side is configured) and against real 4.9.7 servers (realrmq) with the same
// subcommands and arguments, and compares what it prints after normalising what two
// deployments legitimately differ in: addresses, times, ids and the counters only a real store
// knows. Both sides failing alike compares the same, so the key reads must also print what
// they exist for (a step's wants), with no exception, on both sides. Its one test, TestMQAdminMatrix, logs the matrix:
// subcommand, same or differs, and the reason for each known difference (knownDifferences, in
// code with its why); an unknown difference fails it. With TestMQAdminMatrixACL's five ACL
// subcommands it runs all 57 subcommands of 4.9.7's mqadmin.
//
// Some subcommands need a client of the cluster's, or time, to do what operators use them for;
// the matrix gives them that on both sides:
//   - consumerConnection, consumerStatus, consumerProgress, cloneGroupOffset and
//     skipAccumulatedMessage also run while our push consumer of the matrix group is online,
//     once it has consumed and committed its offsets; skipAccumulatedMessage runs again on the
//     cloned group with no consumer, where mqadmin falls back to writing offsets itself.
//   - clusterRT sends a round and sleeps its interval, forever: the driver interrupts it once
//     the round is printed (an hour's interval, so the interrupt lands in the sleep).
//   - startMonitoring starts a monitor service and returns; its reports go to the client log,
//     first 20 s after it starts: the matrix waits for that first round and compares it.
//
// What is not compared, and why:
//   - round trips, rates, disk and memory figures (sendMsgStatus, checkMsgSendRT, clusterRT,
//     statsAll, exportMetrics, brokerStatus, clusterList): masked, as each store measures its
//     own; the fake's are plausible constants (fakebroker/DIFFERENCES.md).
//   - startMonitoring's later rounds (every minute) and its report on its own retry queue: that
//     queue enters the group's stats when its consumer's first long poll of it ends, which is as
//     likely before as after the first round on either side.
//   - queryMsgTraceById on the default trace topic finds nothing to compare: RMQ_SYS_TRACE_TOPIC
//     exists only on a broker with traceTopicEnable, off by default, so both sides refuse it the
//     same way; the matrix reads trace records (a message whose body is the trace encoding) from
//     its own topic instead.
//   - consumer running info as a whole (consumerStatus -i prints it, the form without -i writes
//     it to a file per client): it is our client's own answer, passed on by the broker, with its
//     own timings and rates. What consumerStatus without -i prints from it (the clients, their
//     versions, whether subscriptions agree and the rebalance is right) is compared.
//   - subcommands' options for deployments the matrix does not have: slaves, several brokers or
//     clusters, name servers found through a domain, and clusterRT's -p (a time in GMT+8 per
//     line).
//
// It holds tests only; Java and Maven must be on the machine (realrmq resolves the jars, javac
// compiles the small driver in java/ that runs every subcommand in one JVM per side).
package mqadminmatrix
