Feature: Transactional messages
  A transactional producer sends a half message, runs its local transaction and ends the
  transaction with a commit or a rollback. Consumers see the message only once it is committed.
  When the end is unknown or lost, the broker asks back: every 60 s (transactionCheckInterval) it
  checks half messages older than 6 s (transactionTimeOut) with a producer of their group, at
  most 15 times (transactionCheckMax), then gives the message up. On real servers the brokers
  check every 6 s, as the book's time runs ten times faster there.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a transactional producer "p" in group "TxGroup" whose checker answers unknown
    And producer "p" has started

  Scenario: a committed transaction delivers its message
    When producer "p" sends a message to "Orders" in a transaction that commits
    Then the brokers eventually store 1 message of "Orders"

  Scenario: a rolled-back transaction never delivers its message
    When producer "p" sends a message to "Orders" in a transaction that rolls back
    And 3 minutes pass
    Then the brokers stored 0 messages of "Orders"
    And the checker of producer "p" was not asked

  Scenario: an unknown transaction is checked, and the checker's commit delivers it
    Given the checker of producer "p" answers commit
    When producer "p" sends a message to "Orders" in a transaction that returns unknown
    And 2 minutes pass
    Then the checker of producer "p" was asked about the transaction once
    And the brokers eventually store 1 message of "Orders"

  # not on real servers: their check rounds run from the brokers' own start, at no known instant of the feature's clock
  @check-phase
  Scenario: the broker checks at its rounds, every 60 seconds from its start
    Given the checker of producer "p" answers commit
    When producer "p" sends a message to "Orders" in a transaction that returns unknown
    And 59 seconds pass
    Then the checker of producer "p" was not asked
    When 2 seconds pass
    Then the checker of producer "p" was asked about the transaction once
    And the brokers eventually store 1 message of "Orders"

  Scenario: a lost commit is recovered by the check
    Given "broker-a" drops the next END_TRANSACTION
    And the checker of producer "p" answers commit
    When producer "p" sends a message to "Orders" in a transaction that commits
    # at once: the broker's first check comes at a round of its own, at any phase on real servers
    Then the brokers stored 0 messages of "Orders"
    When 2 minutes pass
    Then the checker of producer "p" was asked about the transaction once
    And the brokers stored 1 message of "Orders"

  Scenario: when the producer has died, another producer of its group answers the check
    Given a transactional producer "q" in group "TxGroup" with instance name "second" whose checker answers commit
    And producer "q" has started
    When producer "p" sends a message to "Orders" in a transaction that returns unknown
    And producer "p" shuts down
    And 2 minutes pass
    Then the checker of producer "q" was asked about the transaction once
    And the brokers eventually store 1 message of "Orders"

  Scenario: checks stop after the maximum, and the message is never delivered
    When producer "p" sends a message to "Orders" in a transaction that returns unknown
    # 15 rounds of 60 s after the 6 s timeout fit in 16 minutes; the margin is for real brokers
    # under load, whose 6 s rounds can run late
    And 25 minutes pass
    Then the checker of producer "p" was asked about the transaction 15 times
    And the brokers stored 0 messages of "Orders"
