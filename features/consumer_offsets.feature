Feature: Consumers resume from the offsets their group committed
  A clustering consumer keeps the offset of each queue it consumed in memory and writes them to
  the broker (UPDATE_CONSUMER_OFFSET) every 5 s, the first time 10 s after its client instance
  starts, and once more when it shuts down; its pulls carry the offset too. A member that starts
  later asks the broker (QUERY_CONSUMER_OFFSET) and resumes there, so a clean restart consumes
  nothing twice, and after a crash only what was consumed since the last write comes again. A
  group the broker has no offset for starts where the consumer asks (first offset, last offset,
  a timestamp) only when the broker says so: a 4.9.7 broker answers offset 0 while a queue's
  first message is still in memory, so on a young topic every start reads from the first message.
  Once that message is cut by retention or no longer in memory, the broker answers QUERY_NOT_FOUND
  and the consumer's ConsumeFromWhere decides (RebalancePushImpl.computePullFromWhere): the first
  offset is offset 0, the last offset is the queue's end when the consumer takes the queue, and a
  timestamp is what the broker answers SEARCH_OFFSET_BY_TIMESTAMP for it: the stored message
  whose store time is nearest (a queue's last message for a time after them all). Those starts
  are proved with a broker made to answer QUERY_NOT_FOUND, which real servers (through the
  scenario's proxy) and the fakes both can be; making a real broker swap a young queue out takes
  gigabytes. Below, the timestamp lies 55 s after the first messages and 5 s before the later
  ones, so the answer is each queue's first later message: neither its first message nor its
  last, which the time the consumer takes the queue, 20 s after them, would give (the client
  counts the timestamp to the second: on real servers' scaled clock that is 10 of these seconds).

  Background:
    Given a cluster with 1 broker and topic "Orders" with 4 queues
    And a producer "p" in group "PG"
    And producer "p" has started

  Scenario: a consumer started after a clean shutdown resumes from the committed offsets
    Given consumer "c1" in group "CG" subscribed to "Orders" has started
    And producer "p" sends 10 messages to "Orders"
    And consumer "c1" receives 10 messages
    When consumer "c1" shuts down
    And producer "p" sends 5 messages to "Orders"
    And consumer "c2" in group "CG" subscribed to "Orders" has started
    Then consumer "c2" receives 5 messages, and no more within 10 seconds

  Scenario: after a crash, only what was consumed since the last write of the offsets comes again
    Given consumer "c1" in group "CG" subscribed to "Orders" has started
    # the offsets are written 10 s after the start, then every 5 s: at 10, 15, 20 s ...
    And 12 seconds pass
    And producer "p" sends 4 messages to "Orders"
    And consumer "c1" receives 4 messages
    # the write at 15 s has the 4
    And 5 seconds pass
    And producer "p" sends 3 messages to "Orders"
    And consumer "c1" receives 7 messages
    # c1 dies before the write at 20 s: its last writes never reach the broker
    When "broker-a" drops offset updates
    And consumer "c1" shuts down
    And consumer "c2" in group "CG" subscribed to "Orders" has started
    # the pulls carried offsets too: those that left after a message was consumed committed it
    Then within 10 seconds consumer "c2" receives at most the last 3 messages consumer "c1" received, and nothing else

  Scenario Outline: a new group on a young topic starts at the first message, from <where> too
    Given producer "p" sends 6 messages to "Orders"
    And a consumer "c" in group "CG" subscribed to "Orders" starting from <where>
    When consumer "c" starts
    Then consumer "c" receives 6 messages, and no more within 10 seconds

    Examples:
      | where            |
      | the first offset |
      | the last offset  |
      | the current time |

  Scenario Outline: a new group the broker has no offset for starts from <where>: it receives the last <n> of the 16 messages
    # 6 messages, a minute later 8 more (2 in each queue), the consumer starts 20 s later, then 2 more
    Given producer "p" sends 6 messages to "Orders"
    And 60 seconds pass
    And producer "p" sends 8 messages to "Orders"
    And 20 seconds pass
    And "broker-a" has no offset for group "CG"
    And a consumer "c" in group "CG" subscribed to "Orders" starting from <where>
    When consumer "c" starts
    And consumer "c" consumes 4 queues of "Orders"
    And producer "p" sends 2 messages to "Orders"
    Then consumer "c" receives the last <n> messages sent, each once, and no more within 10 seconds

    Examples:
      | where                   | n  |
      | the first offset        | 16 |
      | the last offset         | 2  |
      | the time 25 seconds ago | 10 |
