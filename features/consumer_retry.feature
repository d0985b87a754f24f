Feature: Failed messages come back after the delay levels, then go to the dead-letter queue
  A concurrent listener that answers RECONSUME_LATER has the consumer send the message back to
  the broker (CONSUMER_SEND_MSG_BACK) with its reconsume count. The broker holds it on delay level
  3 + reconsume times (10 s, 30 s, 1 min, 2 min, ... 2 h) and then delivers it again through the
  group's retry topic %RETRY%<group>, which every consumer of the group reads. After
  maxReconsumeTimes retries (16 by default) the message goes to the group's dead-letter queue
  %DLQ%<group> instead and is not delivered again. On real servers the brokers' delay levels are a
  tenth of Java's, as the book's time runs ten times faster there.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started

  Scenario: a failed message comes back after 10 seconds, then after 30 seconds
    Given a consumer "c" in group "CG" subscribed to "Orders" that fails each message 2 times
    And consumer "c" has started
    # its retry topic is created by its first heartbeat: the route may reach it at the next poll only
    # (on real servers the other broker, known to the client from TBW102's route, creates one too: broker-a's counts)
    And consumer "c" consumes 1 queue of "%RETRY%CG" on "broker-a" within 1 minute
    When producer "p" sends a message to "Orders"
    Then consumer "c" receives the message 3 times within 1 minute
    And the deliveries to consumer "c" were 10 and 30 seconds apart
    And the deliveries to consumer "c" counted 0, 1 and 2 reconsume times
    And the dead-letter queue of group "CG" holds 0 messages

  Scenario: after maxReconsumeTimes retries the message goes to the dead-letter queue
    Given a consumer "c" in group "CG" subscribed to "Orders" that fails every message and retries at most 2 times
    And consumer "c" has started
    # its retry topic is created by its first heartbeat: the route may reach it at the next poll only
    # (on real servers the other broker, known to the client from TBW102's route, creates one too: broker-a's counts)
    And consumer "c" consumes 1 queue of "%RETRY%CG" on "broker-a" within 1 minute
    When producer "p" sends a message to "Orders"
    Then consumer "c" receives the message 3 times within 1 minute
    And the dead-letter queue of group "CG" holds 1 message
    When 2 minutes pass
    Then consumer "c" receives the message 3 times within 1 second

  # not on real servers: the 16 retries take almost 5 hours, half an hour of wall time there
  @hours
  Scenario: by default a message is retried 16 times over almost 5 hours, then goes to the dead-letter queue
    Given a consumer "c" in group "CG" subscribed to "Orders" that fails every message
    And consumer "c" has started
    # its retry topic is created by its first heartbeat: the route may reach it at the next poll only
    # (on real servers the other broker, known to the client from TBW102's route, creates one too: broker-a's counts)
    And consumer "c" consumes 1 queue of "%RETRY%CG" on "broker-a" within 1 minute
    When producer "p" sends a message to "Orders"
    Then consumer "c" receives the message 17 times within 5 hours
    And the deliveries to consumer "c" were 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600 and 7200 seconds apart
    And the dead-letter queue of group "CG" holds 1 message
