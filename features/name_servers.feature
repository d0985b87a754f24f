Feature: Finding the name servers
  A producer given no name-server list (and no NAMESRV_ADDR) reads it over HTTP, as Java's
  TopAddressing does: once when its client instance starts, again 10 s later, then every
  2 minutes. The answer is trimmed and cut at its first line break. A new list replaces the old
  one only when it has another size or a new address, and it is shuffled first, so that clients
  spread over the name servers.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues

  Scenario: the endpoint is read when the producer starts
    Given an HTTP address endpoint serving the name server's address
    And a producer "p" in group "PG" that reads its name servers from the endpoint
    When producer "p" starts
    Then the endpoint was asked 1 time
    And producer "p" reads name servers "the name server's address"
    And producer "p" can send a message to "Orders"

  # not on real servers: a millisecond apart
  @exact-time
  Scenario: the endpoint is read again 10 seconds after the start, then every 2 minutes
    Given an HTTP address endpoint serving the name server's address
    And a producer "p" in group "PG" that reads its name servers from the endpoint
    And producer "p" has started
    When 9999 milliseconds pass
    Then the endpoint was asked 1 time
    When 1 millisecond passes
    Then the endpoint was asked 2 times
    When 119 seconds pass
    Then the endpoint was asked 2 times
    When 1 second passes
    Then the endpoint was asked 3 times

  Scenario: a new list is taken at the next read, and used
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

  Scenario: a producer given a list never reads the endpoint
    Given an HTTP address endpoint serving an address where no name server listens
    And a producer "p" in group "PG" with the name server's address that could also read the endpoint
    When producer "p" starts
    And 5 minutes pass
    Then the endpoint was asked 0 times
    And producer "p" reads name servers "the name server's address"

  Scenario: the answer is trimmed first, then cut at its first line break
    Given an HTTP address endpoint serving the name server's address
    And the endpoint serves "\n  10.0.0.1:9876;10.0.0.2:9876\n10.0.0.3:9876\n"
    And a producer "p" in group "PG" that reads its name servers from the endpoint
    When producer "p" starts
    Then producer "p" reads name servers "10.0.0.1:9876, 10.0.0.2:9876"

  Scenario: the same addresses in another order leave the list as it is
    Given an HTTP address endpoint serving the name server's address
    And the endpoint serves "10.0.0.1:9876;10.0.0.2:9876;10.0.0.3:9876;10.0.0.4:9876;10.0.0.5:9876;10.0.0.6:9876;10.0.0.7:9876;10.0.0.8:9876;10.0.0.9:9876;10.0.0.10:9876"
    And a producer "p" in group "PG" that reads its name servers from the endpoint
    And producer "p" has started
    When the endpoint serves the same addresses in reverse order
    And 11 seconds pass
    Then the endpoint was asked 2 times
    And producer "p" kept its name servers in their order

  Scenario: every client instance shuffles the list it is given
    # ten addresses: the chance that three shuffles agree is one in 13 trillion
    Given producers "p1, p2, p3" in group "PG" with name servers "10.0.0.1:9876;10.0.0.2:9876;10.0.0.3:9876;10.0.0.4:9876;10.0.0.5:9876;10.0.0.6:9876;10.0.0.7:9876;10.0.0.8:9876;10.0.0.9:9876;10.0.0.10:9876"
    When producer "p1" starts
    And producer "p2" starts
    And producer "p3" starts
    Then producers "p1, p2, p3" do not all hold their name servers in one order
