// Package fakebroker is a fake Apache RocketMQ 4.9.7 Broker (a master, brokerId 0): real clients
// (the Java client, the official Go client v2.1.2, rocketsim's own) send to it, pull from it and
// heartbeat to it over the remoting protocol, and it registers with any name server (the fake
// one or a real one) over the wire, as a real broker does.
//
// One file per request family, each opening with the codes it serves and the Java behaviour it
// copies:
//
//	register.go    103 REGISTER_BROKER and 104 UNREGISTER_BROKER, which the broker sends
//	topics.go      the topic table, auto-creation from TBW102, 17 UPDATE_AND_CREATE_TOPIC,
//	               21 GET_ALL_TOPIC_CONFIG, 215 DELETE_TOPIC_IN_BROKER,
//	               305 GET_SYSTEM_TOPIC_LIST_FROM_BROKER
//	send.go        10 SEND_MESSAGE, 310 SEND_MESSAGE_V2, 320 SEND_BATCH_MESSAGE
//	store.go       the in-memory store: queues, offsets, commit-log offsets and message ids
//	clients.go     34 HEART_BEAT, 35 UNREGISTER_CLIENT, the client table and its expiry scan,
//	               the 40 NOTIFY_CONSUMER_IDS_CHANGED pushed when a consumer group changes
//	pull.go        11 PULL_MESSAGE with long polling, and the OFFSET_MOVED_EVENT record of a
//	               corrected offset
//	offsets.go     14/15 consumer offsets, 29 SEARCH_OFFSET_BY_TIMESTAMP, 30/31 max/min offset
//	consumers.go   38 GET_CONSUMER_LIST_BY_GROUP
//	subscriptiongroups.go 200 UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, 201
//	               GET_ALL_SUBSCRIPTIONGROUP_CONFIG, 207 DELETE_SUBSCRIPTIONGROUP: each consumer
//	               group's config and what it changes (pulls, retries, notifications)
//	connections.go 203 GET_CONSUMER_CONNECTION_LIST, 204 GET_PRODUCER_CONNECTION_LIST,
//	               328 GET_ALL_PRODUCER_INFO
//	locks.go       41 LOCK_BATCH_MQ, 42 UNLOCK_BATCH_MQ: orderly consumers' queue locks and
//	               their 60 s expiry
//	sendback.go    36 CONSUMER_SEND_MSG_BACK: retries in %RETRY%group, the dead-letter %DLQ%group
//	schedule.go    delay levels: SCHEDULE_TOPIC_XXXX and delivery when due (no request code)
//	view.go        33 VIEW_MESSAGE_BY_ID: one stored message by commit-log offset
//	query.go       12 QUERY_MESSAGE: messages by key and unique key from an index like the
//	               broker's IndexService
//	brokerconfig.go 25 UPDATE_BROKER_CONFIG, 26 GET_BROKER_CONFIG: the broker's configuration,
//	               which settings change what at run time (the table of 4.9.7's settings and
//	               defaults, brokerconfig_java.go, is generated from the jars)
//	stats.go       28 GET_BROKER_RUNTIME_INFO, 202 GET_TOPIC_STATS_INFO, 208 GET_CONSUME_STATS:
//	               what mqadmin reads of the broker's counters, a topic's queues and a group's
//	               progress (counters only a real store knows are plausible: DIFFERENCES.md)
//	whoconsumes.go 300 QUERY_TOPIC_CONSUME_BY_WHO: the groups consuming a topic
//	maintenance.go 306 CLEAN_EXPIRED_CONSUMEQUEUE (nothing to clean: the fake keeps every message),
//	               316 CLEAN_UNUSED_TOPIC (the consume queues of topics the table does not hold),
//	               329 DELETE_EXPIRED_COMMITLOG (no files to delete)
//	consumequeue.go 321 QUERY_CONSUME_QUEUE: a queue's consume-queue entries
//	transaction.go 37 END_TRANSACTION, the transaction check that sends 39
//	               CHECK_TRANSACTION_STATE to producers, op records and discards
//	reply.go       324 SEND_REPLY_MESSAGE, 325 SEND_REPLY_MESSAGE_V2, and the 326
//	               PUSH_REPLY_MESSAGE_TO_CLIENT they cause
//	consumercalls.go 222 INVOKE_BROKER_TO_RESET_OFFSET, 223 INVOKE_BROKER_TO_GET_CONSUMER_STATUS,
//	               307 GET_CONSUMER_RUNNING_INFO, 309 CONSUME_MESSAGE_DIRECTLY: admin requests
//	               answered by asking the group's consumers (220, 221, 307, 309)
//	acl.go         aclEnable (WithACL): every request, whatever its code, checked by
//	               acl.Validator before it is served, as PlainAccessValidator's RPC hook does;
//	               a refusal is 1 SYSTEM_ERROR with the AclException's description, in JSON; the ACL
//	               admin codes (50 to 54) change the broker's own acl.Store (WithACLFile: and
//	               write it back; WithACLFiles: the files of a conf dir, watched and reloaded)
//	await.go       waiting for client-table and held-pull changes, for tests
//	introspect.go  read-only snapshots of the state for tests and the admin API
//
// Every answer, error remark included, follows rocketmq-all-4.9.7's broker (the processors in
// broker/.../processor and the store they call). Any other request code is answered 3
// REQUEST_CODE_NOT_SUPPORTED with the remark " request type N not supported", as Java does.
//
// Each message is kept as the record a 4.9.7 commit log holds (what a pull returns), so
// commit-log offsets and the offset message ids made from them advance as on a real broker. A
// batch's messages, for one, each keep their own properties string followed by the batch's (the
// header's with CLUSTER added), as Java's MessageExtBatchEncoder writes them: a property set on
// both, such as WAIT, is named twice.
//
// A request missing a header field is answered as the real broker answers it: where Java goes
// on with the null and answers something specific (a send without a topic: 1 "The specified
// topic is blank."), so does the fake; where Java throws (a NullPointerException when it unboxes
// the null, a NumberFormatException for an unparsable number in the headers it decodes by hand),
// the fake answers SYSTEM_ERROR without extFields, with Java 17's exception text and stack frame
// where checked against a real broker, else a java.lang.NullPointerException text naming the
// field.
//
// Known differences from a real 4.9.7 broker:
//   - Java writes the answer to a request that threw in JSON even when the request was
//     ROCKETMQ-binary; the fake's answer to such a request (made by remoting.NewResponse) keeps
//     the request's type. A held pull's late answer is JSON in both.
//   - A held pull is answered exactly at its suspend timeout; Java checks held pulls every 5 s,
//     so its answers come up to 5 s late.
//   - Delayed messages are delivered exactly when due; Java checks each level every 100 ms
//     (and first 1 s after start). VIEW_MESSAGE_BY_ID and send-back find a message only at the
//     commit-log offset where its record starts.
//   - The transaction check runs exactly every transactionCheckInterval after the previous
//     run, as Java's does, and checks a half message at the instant it reaches its timeout
//     (Java: once its clock has moved a millisecond past it).
//   - Not modelled: slaves and HA, QUERY_DATA_VERSION before registering (forceRegister is on by default in Java too),
//     disk-related answers (store busy, disk full), and retention by age (fileReservedTime):
//     the store drops its oldest segments only past its size bound (WithStoreLimit, store.go).
//
// Time comes from the standard time package only, so a test running the fake inside a
// testing/synctest bubble over a remoting.MemNetwork sees 120 s of client expiry, 30 s
// registration intervals, the 60 s transaction check or a queue lock's 60 s expiry pass at once.
package fakebroker
