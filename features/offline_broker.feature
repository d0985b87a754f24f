Feature: Offline brokers
  A broker that crashes is dropped by the name server at once; one that stops registering expires
  after 120 s. The client then cleans its address table and stops heartbeating it.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    # the first route poll (10 ms after start) is over before anything changes
    And 1 second passes

  Scenario: a crashed broker leaves the route at once
    When "broker-a" crashes
    Then the name server routes "Orders" to brokers "broker-b"
    When 31 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-b"
    And producer "p" sends 4 messages to "Orders"
    And "broker-b" stored at least 4 messages of "Orders"

  # not on real servers: the name server's 120 s expiry of a silent broker is fixed in 4.9.7
  @fixed-expiry
  Scenario: a silent broker expires after 120 seconds
    When "broker-a" stops registering
    And 100 seconds pass
    Then the name server routes "Orders" to brokers "broker-a, broker-b"
    When 40 seconds pass
    Then the name server routes "Orders" to brokers "broker-b"

  # not on real servers: the name server's 120 s expiry of a silent broker is fixed in 4.9.7
  @fixed-expiry
  Scenario: the client forgets an offline broker and stops heartbeating it
    When "broker-a" stops registering
    And 190 seconds pass
    Then producer "p" does not know "broker-a"
    And "broker-a" receives no heartbeat from producer "p" for 60 seconds

  Scenario: the broker comes back and is used again
    When "broker-a" crashes
    And 31 seconds pass
    And "broker-a" comes back
    And 31 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a, broker-b"
    And producer "p" sends 8 messages to "Orders"
    And "broker-a" stored at least 2 messages of "Orders"

  Scenario: a send to a queue of a crashed broker fails with a connection error
    When "broker-a" crashes
    # the client still has broker-a's address: its connect is refused
    And producer "p" sends a message to "Orders" to queue 0 of "broker-a"
    Then the send fails with a connection error
