Feature: Sending messages
  Sync, async, oneway and batch sends; queue selection; compression; which broker answers are
  retried.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started

  Scenario: a sync send is stored with its tags, keys and properties
    When producer "p" sends a message to "Orders" with tag "TagA", keys "k1 k2" and property "color" = "red"
    Then the send succeeds with status SEND_OK
    And the stored message has tag "TagA", keys "k1, k2" and property "color" = "red"
    And the stored message's id is the send result's message id

  Scenario: async sends call back once each
    When producer "p" sends 10 messages to "Orders" asynchronously
    Then 10 async callbacks ran, each once, all successful
    And the brokers stored 10 messages of "Orders"

  Scenario: oneway sends are stored
    When producer "p" sends 5 messages to "Orders" oneway
    Then the brokers eventually store 5 messages of "Orders"

  Scenario: a batch is stored as separate messages in one queue
    When producer "p" sends a batch of 3 messages to "Orders"
    Then the send succeeds with status SEND_OK
    And the brokers stored 3 messages of "Orders" in one queue

  Scenario: a selector chooses the queue
    When producer "p" sends 4 messages to "Orders" with a selector choosing queue 2
    Then every stored message of "Orders" is in queue 2

  Scenario: a large body is compressed on the wire and stored inflated for readers
    When producer "p" sends a message of 8192 bytes to "Orders"
    Then the stored message is compressed
    And the stored message's body is the 8192 bytes sent

  Scenario: a retryable broker answer is retried on another broker
    Given "broker-a" answers sends with code 1 once
    And "broker-b" answers sends with code 1 once
    When producer "p" sends a message to "Orders"
    Then the send succeeds
    And the brokers received 3 sends

  Scenario: SYSTEM_BUSY is not retried in 4.9.7
    Given "broker-a" answers sends with code 2
    And "broker-b" answers sends with code 2
    When producer "p" sends a message to "Orders"
    Then the send fails with broker code 2
    And the brokers received 1 send

  Scenario: a message stored without a clean flush is a result, not an error, and is not retried
    Given "broker-a" stores sends but answers code 10
    And "broker-b" stores sends but answers code 10
    When producer "p" sends a message to "Orders"
    Then the send succeeds with status FLUSH_DISK_TIMEOUT
    And the brokers received 1 send
    And the brokers stored 1 message of "Orders"

  Scenario Outline: <case> is refused before it is sent
    When producer "p" sends <message>
    Then the send fails with "<text>"
    And the brokers received 0 sends

    Examples:
      | case                     | message                                | text                                                        |
      | an empty body            | an empty message to "Orders"           | the message body length is zero                             |
      | a topic with a space     | a message to "bad topic!"              | The specified topic[bad topic!] contains illegal characters |
      | a body over 4 MiB        | a message of 4194305 bytes to "Orders" | the message body size over max value, MAX: 4194304          |
      | a topic closed to sends  | a message to "SCHEDULE_TOPIC_XXXX"     | Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden. |
