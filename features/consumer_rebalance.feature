Feature: The consumers of a group share the queues of a topic
  Every consumer of a group in clustering mode takes a share of each subscribed topic's queues,
  allocated averagely over the group's members as the broker lists them. When a member joins or
  leaves, the broker tells the others at once (NOTIFY_CONSUMER_IDS_CHANGED) and they rebalance;
  without that notice, every member rebalances on its own every 20 s. A queue that moves away is
  dropped by its old member, and a message goes to one member of the group only.

  Background:
    Given a cluster with 2 brokers and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started
    And consumer "c1" in group "CG" subscribed to "Orders" has started
    And consumer "c1" consumes 8 queues of "Orders"

  Scenario: a second consumer joins and the queues split at once on the broker's notice
    When consumer "c2" in group "CG" subscribed to "Orders" has started
    Then consumers "c1, c2" consume 4 queues of "Orders" each, and no queue twice

  Scenario: without the notice, the queues split within one rebalance period
    Given the brokers drop NOTIFY_CONSUMER_IDS_CHANGED
    # the brokers' notices of c1's own join may still have it rebalancing
    And consumer "c1" has finished rebalancing
    When consumer "c2" in group "CG" subscribed to "Orders" has started
    Then consumer "c1" still consumes 8 queues of "Orders"
    When 20 seconds pass
    Then consumers "c1, c2" consume 4 queues of "Orders" each, and no queue twice

  Scenario: a consumer leaves and the other takes its queues over at once
    Given consumer "c2" in group "CG" subscribed to "Orders" has started
    And consumers "c1, c2" consume 4 queues of "Orders" each, and no queue twice
    When consumer "c2" shuts down
    Then consumer "c1" consumes 8 queues of "Orders"

  Scenario: without the notice, the queues of a consumer that left are taken over within one rebalance period
    Given consumer "c2" in group "CG" subscribed to "Orders" has started
    And consumers "c1, c2" consume 4 queues of "Orders" each, and no queue twice
    And the brokers drop NOTIFY_CONSUMER_IDS_CHANGED
    # the brokers' notices of c2's join may still have c1 rebalancing
    And consumer "c1" has finished rebalancing
    When consumer "c2" shuts down
    Then consumer "c1" still consumes 4 queues of "Orders"
    When 20 seconds pass
    Then consumer "c1" consumes 8 queues of "Orders"

  Scenario: each message goes to one member of the group, once
    Given consumer "c2" in group "CG" subscribed to "Orders" has started
    And consumers "c1, c2" consume 4 queues of "Orders" each, and no queue twice
    When producer "p" sends 40 messages to "Orders"
    Then group "CG" consumed each of the 40 messages once
    And consumer "c1" receives 20 messages
    And consumer "c2" receives 20 messages, and no more within 10 seconds
