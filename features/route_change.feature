Feature: Route changes reach the producer within one poll
  The client instance polls the name server every 30 s and pushes changed routes to every
  producer it serves.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues on "broker-a"
    And a producer "p" in group "PG"
    And producer "p" has started and sent a message to "Orders"

  Scenario: the topic is created on a second broker
    When topic "Orders" is created on "broker-b" with 4 queues
    And 31 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a, broker-b"
    And producer "p" sends 8 messages to "Orders"
    And "broker-b" stored at least 1 message of "Orders"

  Scenario: the queue count changes
    When topic "Orders" is created on "broker-a" with 2 queues
    And 31 seconds pass
    Then producer "p" has 2 queues for "Orders"

  Scenario: write permission is removed from a broker
    When topic "Orders" is created on "broker-b" with 4 queues
    And the write permission of "broker-a" is removed
    And 31 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-b"
    And producer "p" sends 4 messages to "Orders"
    And "broker-a" stored 1 message of "Orders"

  Scenario: the topic is deleted and the old route is kept
    When topic "Orders" is deleted
    And 31 seconds pass
    Then producer "p" routes "Orders" to brokers "broker-a"

  Scenario: a route change reaches every producer of the instance, even one that never sent
    Given a producer "q1" in group "QG1" with instance name "shared"
    And a producer "q2" in group "QG2" with instance name "shared"
    And producer "q1" has started and sent a message to "Orders"
    And producer "q2" has started
    When topic "Orders" is created on "broker-b" with 4 queues
    And 31 seconds pass
    Then producer "q2" routes "Orders" to brokers "broker-a, broker-b"
    And producer "q1" routes "Orders" to brokers "broker-a, broker-b"
