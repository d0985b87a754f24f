Feature: Shutting down
  Shutdown unregisters the producer from every broker and stops the client instance when its last
  producer leaves.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues

  Scenario: shutdown unregisters on every broker
    Given a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"
    When producer "p" shuts down
    Then "broker-a" received UNREGISTER_CLIENT for group "PG"
    And "broker-b" received UNREGISTER_CLIENT for group "PG"
    And producer "p" is SHUTDOWN_ALREADY

  Scenario: the instance stops with its last producer
    Given a producer "p1" in group "PG1" with instance name "shared"
    And a producer "p2" in group "PG2" with instance name "shared"
    And producer "p1" has started and sent a message to "Orders"
    And producer "p2" has started
    When producer "p1" shuts down
    Then the client instance of "p2" is running
    When producer "p2" shuts down
    Then the client instance of "p2" is stopped
    And no broker lists a client of producer "p2"

  Scenario: a producer that was shut down cannot send
    Given a producer "p" in group "PG"
    And producer "p" has started
    When producer "p" shuts down
    Then producer "p" cannot send: "The producer service state not OK, SHUTDOWN_ALREADY"

  Scenario: shutting down twice is harmless
    Given a producer "p" in group "PG"
    And producer "p" has started
    When producer "p" shuts down
    And producer "p" shuts down
    Then producer "p" is SHUTDOWN_ALREADY
