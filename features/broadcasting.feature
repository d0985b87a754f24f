Feature: Broadcasting consumers each get every message
  In broadcasting mode every consumer of a group consumes every queue of the topic, so each gets
  every message. Each keeps its offsets itself, in a file under its client id and group (Java's
  LocalFileOffsetStore), written every 5 s and when it shuts down, and read back when a consumer
  with the same client id starts again. A message whose consumption failed is dropped, not sent
  back for a retry.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started

  Scenario: every member of the group consumes every message
    Given broadcasting consumers "c1, c2" in group "BG" subscribed to "Orders" have started
    When producer "p" sends 20 messages to "Orders"
    Then consumer "c1" receives 20 messages
    And consumer "c2" receives 20 messages, and no more within 10 seconds
    And consumer "c1" consumes 8 queues of "Orders"
    And consumer "c2" consumes 8 queues of "Orders"

  Scenario: a consumer started again with the same client id resumes from its offset file
    Given broadcasting consumer "c1" in group "BG" subscribed to "Orders" has started
    And producer "p" sends 10 messages to "Orders"
    And consumer "c1" receives 10 messages
    When consumer "c1" shuts down
    And producer "p" sends 5 messages to "Orders"
    And broadcasting consumer "again" in group "BG" subscribed to "Orders" with instance name "c1" has started
    Then consumer "again" receives 5 messages, and no more within 10 seconds

  Scenario: a failed message is not retried
    Given a broadcasting consumer "c1" in group "BG" subscribed to "Orders" that fails every message
    And consumer "c1" starts
    When producer "p" sends a message to "Orders"
    Then consumer "c1" receives the message 1 times within 1 minute
    When 2 minutes pass
    Then consumer "c1" receives the message 1 times within 1 second
    And the retry queue of group "BG" holds 0 messages
