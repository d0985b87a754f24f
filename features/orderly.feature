Feature: Orderly consumers keep the order of each queue, under the broker's lock
  An orderly consumer (MessageListenerOrderly) consumes a queue only while it holds the queue's
  lock on the broker (LOCK_BATCH_MQ), one batch after the other, so that the messages of a queue
  are consumed in the order they were stored. It renews its locks every 20 s and gives them back
  when it shuts down (UNLOCK_BATCH_MQ). A lock not renewed lasts 60 s on the broker: until then no
  other member of the group can take the queue, and a member that could not lock a queue takes it
  at its next rebalance after that. On real servers the brokers' locks last 6 s, as the book's
  time runs ten times faster there.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 2 queues
    And a producer "p" in group "PG"
    And producer "p" has started

  Scenario: the messages of each queue are consumed in the order they were stored
    Given producer "p" sends 10 messages to "Orders" with a selector choosing queue 0
    And producer "p" sends 10 messages to "Orders" with a selector choosing queue 1
    # the backlog comes in one pull per queue
    When orderly consumer "c1" in group "OG" subscribed to "Orders" has started
    Then consumer "c1" receives 20 messages
    And consumer "c1" received the messages of each queue in the order they were stored

  Scenario: a second consumer cannot take a queue another holds locked until the lock expires
    Given orderly consumer "c1" in group "OG" subscribed to "Orders" has started
    # it holds a queue only once the broker locked it
    And consumer "c1" consumes 2 queues of "Orders"
    And "broker-a" drops UNLOCK_BATCH_MQ
    # c1 goes away holding its locks, taken as it started: they expire 60 s later
    When consumer "c1" shuts down
    And orderly consumer "c2" in group "OG" subscribed to "Orders" has started
    And producer "p" sends 10 messages to "Orders"
    And 50 seconds pass
    Then consumer "c2" receives 0 messages
    When 40 seconds pass
    Then consumer "c2" receives 10 messages
    And consumer "c2" received the messages of each queue in the order they were stored

  Scenario: a consumer that shuts down gives its locks back, so another takes its queues at once
    Given orderly consumer "c1" in group "OG" subscribed to "Orders" has started
    And consumer "c1" consumes 2 queues of "Orders"
    When consumer "c1" shuts down
    And orderly consumer "c2" in group "OG" subscribed to "Orders" has started
    And producer "p" sends 10 messages to "Orders"
    Then consumer "c2" receives 10 messages
