Feature: Producer groups on a shared client instance
  Producers with the same client id share one client instance; a group can be registered only
  once per instance.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues

  Scenario: the same group on a shared instance fails and resets to CREATE_JUST
    Given a producer "p1" in group "PG" with instance name "shared"
    And a producer "p2" in group "PG" with instance name "shared"
    When producer "p1" starts
    And producer "p2" starts
    Then the start of producer "p2" fails with "The producer group[PG] has been created before, specify another name please."
    And producer "p2" is CREATE_JUST
    And producer "p1" is RUNNING

  Scenario: after changing its group the second producer starts
    Given a producer "p1" in group "PG" with instance name "shared"
    And a producer "p2" in group "PG" with instance name "shared"
    When producer "p1" starts
    And producer "p2" starts
    And producer "p2" changes its group to "PG2"
    And producer "p2" starts
    Then producer "p2" is RUNNING
    And producers "p1" and "p2" share one client instance

  Scenario: the same group with separate instances both start
    Given a producer "p1" in group "PG" with instance name "one"
    And a producer "p2" in group "PG" with instance name "two"
    When producer "p1" starts
    And producer "p2" starts
    Then producer "p1" is RUNNING
    And producer "p2" is RUNNING
    And producers "p1" and "p2" have different client ids

  Scenario: different groups share one instance and one heartbeat
    Given a producer "p1" in group "PG1" with instance name "shared"
    And a producer "p2" in group "PG2" with instance name "shared"
    When producer "p1" starts
    And producer "p2" starts
    And producer "p1" sends a message to "Orders"
    And 31 seconds pass
    Then "broker-a" received a heartbeat from producer "p1" listing groups "PG1, PG2"

  Scenario: shutting down one producer keeps the other working
    Given a producer "p1" in group "PG1" with instance name "shared"
    And a producer "p2" in group "PG2" with instance name "shared"
    When producer "p1" starts
    And producer "p2" starts
    And producer "p1" sends a message to "Orders"
    And producer "p1" shuts down
    Then producer "p1" is SHUTDOWN_ALREADY
    And producer "p2" can send a message to "Orders"
    And "broker-a" received UNREGISTER_CLIENT for group "PG1"
