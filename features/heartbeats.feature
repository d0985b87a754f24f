Feature: Heartbeats
  A client instance tells every master broker it knows which producer groups it serves: once at
  the end of a producer's start, then one second after its own start and every 30 s, one broker
  after another, each waiting at most 3 s for its answer. A round that finds the previous one
  still running is skipped, not queued. Each answer's version is kept per broker address.

  Scenario: a producer that joins a running instance is announced at the end of its start
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p1" in group "PG1" with instance name "shared"
    And a producer "p2" in group "PG2" with instance name "shared"
    And producer "p1" has started and sent a message to "Orders"
    # no time passes: the instance's first scheduled heartbeat is 1 second away
    When producer "p2" starts
    Then "broker-a" received a heartbeat from producer "p2" listing group "PG2"
    And "broker-b" received a heartbeat from producer "p2" listing group "PG2"

  Scenario: every heartbeat names the producer's group and the instance's own CLIENT_INNER_PRODUCER
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    When 31 seconds pass
    Then "broker-a" received a heartbeat from producer "p" listing groups "PG, CLIENT_INNER_PRODUCER"
    And "broker-b" received a heartbeat from producer "p" listing groups "PG, CLIENT_INNER_PRODUCER"

  # not on real servers: a millisecond apart, and Java's 30 s period (2.5 s of wall time there, not 3)
  @exact-time
  Scenario: heartbeats go one second after the instance starts, then every 30 seconds
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    # the producer's start finds no broker to announce itself to: it has sent nothing yet
    And producer "p" has started and sent a message to "Orders"
    When 999 milliseconds pass
    Then "broker-a" received 0 heartbeats from producer "p"
    When 1 millisecond passes
    Then "broker-a" received 1 heartbeat from producer "p"
    When 29 seconds pass
    Then "broker-a" received 1 heartbeat from producer "p"
    When 1 second passes
    Then "broker-a" received 2 heartbeats from producer "p"

  Scenario: heartbeats go to masters only: a producer has no consumers that would read from slaves
    Given a cluster with 2 brokers, each with a slave, and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    When 61 seconds pass
    Then producer "p" knows the slave of "broker-a"
    And "broker-a" received 3 heartbeats from producer "p"
    And the slave of "broker-a" received no heartbeat from producer "p"
    And the slave of "broker-b" received no heartbeat from producer "p"

  Scenario: the version each broker answers with is kept
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    When 31 seconds pass
    Then producer "p" recorded version 407 for "broker-a"
    And producer "p" recorded version 407 for "broker-b"

  # not on real servers: a millisecond apart
  @exact-time
  Scenario: a broker that does not answer a heartbeat holds the round up for 3 seconds, then the next broker gets it
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And "broker-a" drops heartbeats
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    # the round starts 1 second after the start: broker-a first, then broker-b
    When 3999 milliseconds pass
    Then "broker-b" received 0 heartbeats from producer "p"
    When 1 millisecond passes
    Then "broker-b" received 1 heartbeat from producer "p"

  # not on real servers: the round of 1 s, a delay the client fixes as Java does, is 1 s of wall time there, ten of the feature's
  @exact-time
  Scenario: a round that finds the last one still running is skipped, so a start never waits for a slow broker
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And "broker-a" delays heartbeats by 10 seconds
    And a producer "p1" in group "PG1" with instance name "shared"
    And a producer "p2" in group "PG2" with instance name "shared"
    And producer "p1" has started and sent a message to "Orders"
    # the round of 1 s waits for broker-a until 4 s
    When 2 seconds pass
    And producer "p2" starts
    Then the start of producer "p2" took 0 seconds
    And producer "p2" is RUNNING

  # not on real servers: Java's 30 s period (2.5 s of wall time there, not 3)
  @exact-time
  Scenario: a hung name server ends the route round at its first topic, so heartbeats are late by one API timeout only
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    And producer "p" sends a message to "Fresh1"
    And producer "p" sends a message to "Fresh2"
    And 2 seconds pass
    And the name server drops route queries
    # the round of 30 s waits 3 s for its first topic and ends; the heartbeat of 31 s follows it
    When 31 seconds pass
    Then "broker-a" received 1 heartbeat from producer "p"
    When 2 seconds pass
    Then "broker-a" received 2 heartbeats from producer "p"
