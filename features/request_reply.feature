Feature: Request-reply
  A producer sends a request and waits for its reply (request-reply, since RocketMQ 4.6). The
  responder reads the request and sends a reply; the broker pushes the reply to the requesting
  client over that client's own connection. A request without a reply fails at its deadline (3 s
  by default), and a reply finds nobody when the requester has gone.

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "requester" in group "RequestGroup" with instance name "requesting"
    And a producer "responder" in group "ReplyGroup" with instance name "responding"
    And producer "requester" has started
    And producer "responder" has started

  Scenario: the reply arrives
    When producer "requester" sends a request to "Orders"
    And producer "responder" replies "done" to the request
    Then the reply was sent
    And the request gets the reply "done"

  Scenario: a request without a reply fails at its deadline
    When producer "requester" sends a request to "Orders"
    Then the request fails at its deadline, 3 seconds after it was sent

  Scenario: a reply to a requester that has gone fails
    When producer "requester" sends a request to "Orders"
    Then the brokers eventually store 1 message of "Orders"
    When producer "requester" shuts down
    And producer "responder" replies "too late" to the request
    Then the reply fails because the requester is gone
    And the request fails at its deadline, 3 seconds after it was sent
