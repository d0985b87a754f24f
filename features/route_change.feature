Feature: Route changes reach the producer within one poll
  The client instance asks the name server for the route of every topic its producers publish
  to 10 ms after it starts and then every 30 s. A route that changed in any way (brokers,
  queue counts, permissions) replaces the old one for every producer of the instance; so does
  one some producer of the instance has no queues for. Each change below is made after the
  first poll, so only the 30 s poll can bring it.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues on "broker-a"
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    # the first route poll (10 ms after start) is over before anything changes
    And 1 second passes

  Scenario: the topic is created on a second broker
    When topic "Orders" is created on "broker-b" with 4 queues
    And 30 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a, broker-b"
    And producer "p" sends 8 messages to "Orders"
    And "broker-b" stored at least 1 message of "Orders"

  # not on real servers: Java's 30 s poll period (2.5 s of wall time there, not 3)
  @exact-time
  Scenario: a change made after the first poll is not seen at 29 seconds and is seen by 31 seconds
    When topic "Orders" is created on "broker-b" with 4 queues
    # the polls are at 10 ms, 30.01 s, 60.01 s ...
    And 28 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a"
    When 2 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a, broker-b"

  Scenario: the queue count changes
    When topic "Orders" is created on "broker-a" with 2 queues
    And 30 seconds pass
    Then producer "p" has 2 queues for "Orders"

  Scenario: write permission is removed from a broker
    When topic "Orders" is created on "broker-b" with 4 queues
    And the write permission of "broker-a" is removed
    And 30 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-b"
    And producer "p" sends 4 messages to "Orders"
    And "broker-a" stored 1 message of "Orders"

  Scenario: a change of permission alone is a change
    Given topic "Orders" is created on "broker-b" with 4 queues
    And 30 seconds pass
    And producer "p" routes "Orders" to brokers "broker-a, broker-b"
    When the write permission of "broker-a" is removed
    And 30 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-b"

  Scenario: the topic is deleted and the old route is kept
    When topic "Orders" is deleted
    And 30 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a"
    And producer "p" still has 4 queues for "Orders"

  Scenario: a route change reaches every producer of the instance, even one that never sent
    Given a producer "q1" in group "QG1" with instance name "shared"
    And a producer "q2" in group "QG2" with instance name "shared"
    And producer "q1" has started and sent a message to "Orders"
    And producer "q2" has started
    And 1 second passes
    When topic "Orders" is created on "broker-b" with 4 queues
    And 30 seconds pass
    Then producer "q2" routes "Orders" to brokers "broker-a, broker-b"
    And producer "q1" routes "Orders" to brokers "broker-a, broker-b"

  Scenario: an unchanged route still reaches a producer of the instance that has no queues for it
    Given a producer "q1" in group "QG1" with instance name "shared"
    And a producer "q2" in group "QG2" with instance name "shared"
    And producer "q1" has started and sent a message to "Orders"
    And producer "q2" has started
    When 30 seconds pass
    Then producer "q2" routes "Orders" to brokers "broker-a"

  Scenario: a new topic's first route is TBW102's, cut to the queue count of the producer that sends
    Given a producer "q1" in group "QG1" with instance name "shared"
    And a producer "q2" in group "QG2" with instance name "shared" that creates new topics with 2 queues
    And producer "q1" has started
    And producer "q2" has started
    # a whole poll period ahead for the checks below, on a slow machine too
    And producer "q2" has just polled its routes
    When producer "q2" sends a message to "Fresh"
    Then the send succeeds
    # TBW102 is on both brokers; its route stands in until the next poll finds Fresh's own
    And producer "q2" has 4 queues for "Fresh"
    And producer "q2" routes "Fresh" to brokers "broker-a, broker-b"
