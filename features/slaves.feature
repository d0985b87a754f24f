Feature: Slave addresses in the client's address table
  A client instance keeps every address (master and slaves) that routes name for a broker, and
  drops, address by address, those no route it holds names any more: Java's cleanOfflineBroker,
  every 30 s before the heartbeats. A route that names a broker replaces all of its addresses,
  so a slave address outlives its routes only when the last route that named it moved to other
  brokers while an older route, cached because its topic is gone, still names the master alone.

  Scenario: a slave's address no route names is dropped while its master's is kept
    Given a cluster with 2 brokers, each with a slave, that create no topics on send, and topic "Old" with 4 queues on "broker-a"
    And a producer "p" in group "PG"
    And the slave of "broker-a" crashes
    # the route of Old names broker-a's master alone, and stays cached once Old is gone
    And producer "p" has started and sent a message to "Old"
    And topic "Old" is deleted
    And the slave of "broker-a" comes back
    And topic "Orders" is created on "broker-a" with 4 queues
    # the route of Orders names broker-a's master and slave
    And producer "p" sends a message to "Orders"
    And producer "p" knows the slave of "broker-a"
    When topic "Orders" is deleted
    And topic "Orders" is created on "broker-b" with 4 queues
    # a route poll finds Orders on broker-b alone, and the cleanup before the next heartbeats
    # drops the slave: a poll period and the second from a poll to the cleanup fit in 41 s
    And 41 seconds pass
    Then producer "p" knows "broker-a" by its master's address only
