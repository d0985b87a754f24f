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

  Scenario: connecting to a black-hole address times out within the send's budget
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

  Scenario: a connect gives up after 3 seconds, whatever the send's budget
    Given a producer "q" in group "QG" with send timeout 10 seconds
    And producer "q" has started and sent a message to "Orders"
    And the address of "broker-a" is a black hole
    When producer "q" sends a message to "Orders" to queue 0 of "broker-a"
    Then the send fails with a connection error
    And the send took 3 seconds

  Scenario: a route query gets 3 seconds, whatever the send's budget
    Given a producer "q" in group "QG" with send timeout 10 seconds
    And producer "q" has started
    And 1 second passes
    And the name server drops route queries
    When producer "q" sends a message to "Fresh"
    Then the send fails with "No route info of this topic"
    # one query for Fresh, then one for TBW102 to stand in for it
    And the send took 6 seconds

  # not on real servers: a millisecond apart
  @exact-time
  Scenario: an async send that gets no answer is called back at its deadline, not later
    Given "broker-a" drops sends
    And "broker-b" drops sends
    When producer "p" sends a message to "Orders" asynchronously
    And 2999 milliseconds pass
    Then the async callback has not run yet
    When 1 millisecond passes
    Then the async callback ran once with a timeout

  Scenario: async sends wait for a free sender thread, the wait counts against their budget, and a full waiting room refuses at once
    Given a producer "q" in group "QG" with send timeout 1 second, 1 async sender thread and room for 2 waiting sends
    And producer "q" has started
    And 1 second passes
    And the name server delays route queries by 2 seconds
    When producer "q" sends 4 messages to "Orders" asynchronously
    Then async send 4 failed at once with "executor rejected"
    # send 1 holds the only thread for the 2 s its route query takes
    When 3 seconds pass
    Then async sends 2 and 3 failed with "DEFAULT ASYNC send call timeout"
