Feature: Starting a producer
  A producer checks its configuration, finds its name servers, joins its client instance and
  reaches the servers, as Java's DefaultMQProducer.start() does.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues

  @needs-history
  Scenario: start with a name-server list
    Given a producer "p" in group "PG"
    When producer "p" starts
    Then producer "p" is RUNNING
    And producer "p" can send a message to "Orders"
    And the name server received a route query for "Orders"

  Scenario: start with NAMESRV_ADDR
    Given the environment variable NAMESRV_ADDR holds the name server's address
    And a producer "p" in group "PG" without a name-server list
    When producer "p" starts
    Then producer "p" is RUNNING
    And producer "p" can send a message to "Orders"

  @fake-only
  Scenario: start with the HTTP address endpoint, which is fetched again every 2 minutes
    Given an HTTP address endpoint serving an address where no name server listens
    And a producer "p" in group "PG" that reads its name servers from the endpoint
    When producer "p" starts
    Then producer "p" is RUNNING
    And producer "p" cannot send to "Orders"
    When 20 seconds pass
    And the endpoint serves the name server's address
    And 90 seconds pass
    Then producer "p" cannot send to "Orders"
    When 40 seconds pass
    Then producer "p" can send a message to "Orders"

  Scenario Outline: an invalid group fails the start with Java's text
    Given a producer "p" in group "<group>"
    When producer "p" starts
    Then the start of producer "p" fails with "<text>"
    And producer "p" is START_FAILED

    Examples:
      | group            | text                                                                              |
      | bad group!       | the specified group[bad group!] contains illegal characters, allowing only ^[%\|a-zA-Z0-9_-]+$ |
      | DEFAULT_PRODUCER | producerGroup can not equal DEFAULT_PRODUCER, please specify another one.         |

  Scenario: a blank group fails the start
    Given a producer "p" in group ""
    When producer "p" starts
    Then the start of producer "p" fails with "the specified group is blank"

  Scenario: start twice
    Given a producer "p" in group "PG"
    When producer "p" starts
    And producer "p" starts
    Then the start of producer "p" fails with "The producer service state not OK, maybe started once, RUNNING"
    And producer "p" is RUNNING

  Scenario: start after a failed start
    Given a producer "p" in group "DEFAULT_PRODUCER"
    When producer "p" starts
    And producer "p" starts
    Then the start of producer "p" fails with "The producer service state not OK, maybe started once, START_FAILED"
    And producer "p" is START_FAILED

  Scenario: the first heartbeat reaches the broker within one heartbeat interval
    Given a producer "p" in group "PG"
    When producer "p" starts
    And producer "p" sends a message to "Orders"
    And 31 seconds pass
    Then "broker-a" received a heartbeat from producer "p" listing group "PG"
