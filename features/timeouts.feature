@fake-only
Feature: Timeouts
  A send has one time budget (3 s by default); a timeout fires at the deadline, and a retry goes
  to another broker within what is left of the budget.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG" with send timeout 3 seconds
    And producer "p" has started and sent a message to "Orders"
    # the client instance's first route poll (10 ms after start) is over before faults begin
    And 1 second passes

  Scenario: with a per-attempt limit, a slow broker costs one attempt and the retry goes elsewhere
    Given a producer "q" in group "QG" with send timeout 3 seconds and attempt limit 500 milliseconds
    And producer "q" has started
    And "broker-a" delays sends by 10 seconds once
    And "broker-b" delays sends by 10 seconds once
    When producer "q" sends a message to "Orders"
    Then the send succeeds
    And the send took 1 second

  Scenario: the whole budget is respected
    Given "broker-a" delays sends by 10 seconds
    And "broker-b" delays sends by 10 seconds
    When producer "p" sends a message to "Orders"
    Then the send fails with a timeout
    And the send took 3 seconds

  Scenario: a dropped request times out at the deadline, not 1 to 2 seconds later
    Given "broker-a" drops sends
    And "broker-b" drops sends
    When producer "p" sends a message to "Orders"
    Then the send fails with a timeout
    And the send took 3 seconds

  Scenario: a slow name server delays the first send of a new topic
    Given the name server delays route queries by 1 second
    When producer "p" sends a message to "Fresh"
    Then the send succeeds
    And the send took 2 seconds

  Scenario: route lookups count against the send's budget
    Given the name server delays route queries by 2 seconds
    When producer "p" sends a message to "Fresh"
    Then the send fails with "sendDefaultImpl call timeout"
    And the send took 4 seconds

  Scenario: an async send that times out is reported once
    Given "broker-a" drops sends
    And "broker-b" drops sends
    When producer "p" sends a message to "Orders" asynchronously
    And 10 seconds pass
    Then the async callback ran once with a timeout

  Scenario: connecting to a black-hole address times out
    Given the address of "broker-a" is a black hole
    And "broker-b" drops sends
    When producer "p" sends a message to "Orders" to queue 0 of "broker-a"
    Then the send fails with a timeout
    And the send took 3 seconds

  Scenario: pending requests fail when the connection dies
    Given "broker-a" delays sends by 2 seconds
    When producer "p" starts sending a message to "Orders" to queue 0 of "broker-a"
    And 500 milliseconds pass
    And "broker-a" crashes
    Then the send fails with a connection error
    And the send took 500 milliseconds
