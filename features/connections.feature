Feature: Connections between a client and its brokers
  A broker lists a client in the producer groups its heartbeats name, until the client
  unregisters, its connection closes, or it has been silent for more than 120 s (the broker
  looks every 10 s). The client closes a connection that neither read nor wrote for 120 s, and
  dials with TCP keepalive off, as Java's NettyRemotingClient does.

  Scenario: a broker forgets a client whose connection closed, at once
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    # the first heartbeat goes 1 s after the start, a delay the client fixes as Java does (on
    # real servers 1 s of wall time, ten of the feature's): by 12 s it has reached broker-a
    And 12 seconds pass
    And "broker-a" lists producer "p"
    And "broker-a" closes the connection of the next send
    When producer "p" sends a message to "Orders" to queue 0 of "broker-a"
    Then the send fails with a connection error
    And "broker-a" no longer lists producer "p"
    # the next heartbeat opens a new connection and registers the client again
    When 30 seconds pass
    Then "broker-a" lists producer "p"

  # not on real servers: the broker's 120 s expiry of a silent client is fixed in 4.9.7
  @fixed-expiry
  Scenario: a broker forgets a client silent for more than 120 seconds
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    # the heartbeat of 1 s is the last one to get through
    And 2 seconds pass
    And "broker-a" drops heartbeats
    # the broker looks at 10 s, 20 s, ... : at 120 s the client has been silent for 119 s
    When 118 seconds pass
    Then "broker-a" lists producer "p"
    When 10 seconds pass
    Then "broker-a" no longer lists producer "p"

  # not on real servers: the broker's 120 s close of an idle connection is fixed in 4.9.7
  @fixed-expiry
  Scenario: the client closes a connection idle for 120 seconds
    Given a cluster with 1 broker that keeps idle connections open, and topic "Orders" with 4 queues
    And a producer "p" in group "PG" that heartbeats every 10 minutes
    And producer "p" has started and sent a message to "Orders"
    # the heartbeat of 1 s is the last use of the connection to broker-a; the broker would
    # drop the silent client only when it looks at 130 s
    When 120 seconds pass
    Then "broker-a" lists producer "p"
    When 4 seconds pass
    Then "broker-a" no longer lists producer "p"

  @tcp
  Scenario: the client dials its brokers with TCP keepalive off
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "p1" in group "PG1" with instance name "shared"
    And a producer "p2" in group "PG2" with instance name "shared"
    And producer "p1" has started and sent a message to "Orders"
    # the start of p2 announces the instance to the broker p1 found
    When producer "p2" starts
    Then the connections of producer "p2" to the brokers have TCP keepalive off
