Feature: Starting a producer
  A producer checks its configuration, finds its name servers, joins its client instance and
  reaches the servers, as Java's DefaultMQProducer.start() does.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues

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

  Scenario Outline: a group <case> fails the start with Java's text
    Given a producer "p" in group "<group>"
    When producer "p" starts
    Then the start of producer "p" fails with "<text>"
    And producer "p" is START_FAILED

    Examples:
      | case                        | group            | text                                                                              |
      | with illegal characters     | bad group!       | the specified group[bad group!] contains illegal characters, allowing only ^[%\|a-zA-Z0-9_-]+$ |
      | named DEFAULT_PRODUCER      | DEFAULT_PRODUCER | producerGroup can not equal DEFAULT_PRODUCER, please specify another one.         |

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

  Scenario: the instance name DEFAULT becomes the process id and a timestamp, so default producers never share
    Given a producer "p1" in group "PG"
    And a producer "p2" in group "PG"
    When producer "p1" starts
    And producer "p2" starts
    Then producer "p1" is RUNNING
    And producer "p2" is RUNNING
    And producers "p1" and "p2" have different client ids
    And producer "p1" has an instance name made of the process id and a timestamp

  Scenario: a started producer keeps the route of TBW102, which stands in for topics without a route
    Given a producer "p" in group "PG"
    When producer "p" starts
    # the client instance's first route poll, 10 ms after start, asks for every topic its
    # producers publish to: TBW102 from the start
    And 1 second passes
    Then producer "p" has queues for "TBW102"
