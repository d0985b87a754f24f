// Package realrmq runs real Apache RocketMQ servers for tests: a NameServer and one or more
// Brokers (4.9.7 unless WithVersion says otherwise) as child JVM processes, from the release
// jars on Maven Central.
//
// Only java (17) and mvn are needed, no Docker: Maven resolves the classpath of java/pom.xml
// (embedded in the package) once, and the answer is cached under the user cache folder, keyed
// by the pom and the version, so later runs start the JVMs at once. Each cluster gets its own
// ROCKETMQ_HOME, store folders and free loopback ports, small heaps, and the --add-opens flags
// Java 17 needs for the 4.9.7 store.
//
// In tests:
//
//	c := realrmq.Start(t, realrmq.WithBrokers(2))
//	producer := newProducer(c.NameServerAddr())
//
// Start skips the test when java or mvn is missing (or Maven cannot resolve the jars), and
// fails it instead when ROCKETSIM_REQUIRE_REAL=1. A JVM start takes seconds, so share one
// cluster between a package's tests where they allow it (Shared; see this package's
// main_test.go).
//
// Outside tests (a command that runs a cluster by hand), New creates one, Start starts it and
// Close stops it:
//
//	c, err := realrmq.New(realrmq.WithLogDir(dir))
//	...
//	defer c.Close()
//	err = c.Start(ctx)
//	fmt.Println(c.NameServerAddr(), c.Brokers())
//	err = c.Wait(ctx) // returns when a server dies on its own, or ctx ends
//
// Brokers can be stopped (cleanly: they unregister), killed (a crash) and started again on
// the same ports and store; CreateTopic sends UPDATE_AND_CREATE_TOPIC as mqadmin does.
//
// The package's tests also hold the differential conformance suite (diff_test.go): the same
// requests to the fakes (fakenamesrv, fakebroker) and to the real servers, answers compared.
//
// For machines with Docker, the nested module realrmq/container starts the same servers in a
// container with testcontainers-go: the official image, or the one scripts/docker-images.sh
// builds where no registry is reachable.
package realrmq
