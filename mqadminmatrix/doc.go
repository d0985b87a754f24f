// Package mqadminmatrix runs Apache RocketMQ's own admin tool, mqadmin (rocketmq-tools 4.9.7
// from Maven Central), against the fakes (fakecluster, what sim serve starts) and against real
// 4.9.7 servers (realrmq) with the same subcommands and arguments, and compares what it prints
// after normalising what two deployments legitimately differ in: addresses, times, ids and the
// counters only a real store knows. Its one test, TestMQAdminMatrix, logs the matrix:
// subcommand, same or differs, and the reason for each known difference (knownDifferences, in
// code with its why); an unknown difference fails it.
//
// It holds tests only; Java and Maven must be on the machine (realrmq resolves the jars, javac
// compiles the small driver in java/ that runs every subcommand in one JVM per side).
package mqadminmatrix
