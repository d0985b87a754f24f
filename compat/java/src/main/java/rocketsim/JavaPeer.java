package rocketsim;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientExt;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.RPCHook;

/**
 * The Java peer of rocketsim's compat tests: the official RocketMQ 4.9.7 Java client driven
 * against a name server given on the command line.
 *
 * <pre>
 * java -cp CP rocketsim.JavaPeer NAMESRV SCENARIO TOPIC GROUP [COUNT]
 * </pre>
 *
 * Producer scenarios: sync, async, oneway, batch, queue, selector, compressed, or producer
 * (all of them in that order, in one producer). Each ends with the producer's shutdown, which
 * sends UNREGISTER_CLIENT to every broker. The serialize type of the headers is the client's
 * default (JSON) unless the JVM runs with -Drocketmq.serialize.type=ROCKETMQ.
 *
 * The transaction scenario sends COUNT transactional messages with a TransactionMQProducer whose
 * local transaction commits message i when i % 3 == 0, rolls it back when 1 and leaves it unknown
 * when 2; its checker commits, so the broker's CHECK_TRANSACTION_STATE settles the unknown ones.
 * It shuts down once every unknown message has been checked and the check's END_TRANSACTION has
 * gone out.
 *
 * The request scenario sends COUNT requests with DefaultMQProducer.request; a push consumer of
 * GROUP-responder in the same JVM answers each through a producer of GROUP-replier
 * (MessageUtil.createReplyMessage), and the broker pushes the reply to the requester.
 *
 * The consumer scenario starts a DefaultMQPushConsumer of GROUP on TOPIC (all tags, from the
 * first offset), prints every message it gets, and shuts down once it has COUNT distinct
 * message ids and a grace period without new ones has passed (to see duplicates).
 *
 * With -Drocketsim.acl.accessKey=AK and -Drocketsim.acl.secretKey=SK, the producer and consumer
 * scenarios sign every request with Java's AclClientRPCHook, for brokers with ACL on.
 *
 * The members scenario runs DefaultMQPushConsumers of GROUP on TOPIC in one JVM, m1 at once and
 * others on command, with instance names GROUP-m1, GROUP-m2, ... (one client id each), all from the
 * first offset, with a concurrent or an orderly listener (the fifth argument: concurrent or orderly).
 * Each prints every message it gets ("received", with "member") and every allocation of TOPIC's
 * queues it computes ("allocated": the queues as broker:queueId, sorted, and how many members it
 * saw). It reads commands from stdin: "start m2" starts member m2, "stop m1" shuts m1 down and
 * prints "stopped"; "quit" or the end of stdin shuts the rest down and exits.
 *
 * Output: one JSON object per line on stdout, each with "op". Messages built by the producer
 * scenarios carry index i: tag "tag{i%3}", keys "k{i}" and "order-{i}", user properties
 * user-a=va-{i} and user_b="value with spaces", and the body "{op} body {i}" (the compressed
 * scenario: a 16 KiB text starting with that).
 */
public final class JavaPeer {
    private static final Object OUT = new Object();

    private JavaPeer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: JavaPeer NAMESRV SCENARIO TOPIC GROUP [COUNT]");
            System.exit(2);
        }
        String ns = args[0];
        String scenario = args[1];
        String topic = args[2];
        String group = args[3];
        int count = args.length > 4 && !scenario.equals("members") ? Integer.parseInt(args[4]) : 8;
        int rc;
        try {
            if (scenario.equals("consumer")) {
                rc = consume(ns, topic, group, count);
            } else if (scenario.equals("members")) {
                rc = members(ns, topic, group, args.length > 4 ? args[4] : "concurrent");
            } else if (scenario.equals("transaction")) {
                rc = transact(ns, topic, group, count);
            } else if (scenario.equals("request")) {
                rc = request(ns, topic, group, count);
            } else {
                rc = produce(ns, scenario, topic, group, count);
            }
        } catch (Throwable e) {
            emit(new Line("fatal").put("error", e.toString()));
            e.printStackTrace();
            rc = 1;
        }
        System.out.flush();
        // The client's non-daemon threads are all stopped by shutdown; exit anyway so that a
        // leftover thread never hangs the test.
        System.exit(rc);
    }

    // ---- producer ----

    private static final List<String> ALL = Arrays.asList(
        "sync", "async", "oneway", "batch", "queue", "selector", "compressed");

    private static int produce(String ns, String scenario, String topic, String group, int n) throws Exception {
        List<String> steps = scenario.equals("producer") ? ALL : List.of(scenario);
        for (String s : steps) {
            if (!ALL.contains(s)) {
                throw new IllegalArgumentException("unknown scenario " + s);
            }
        }
        DefaultMQProducer p = new DefaultMQProducer(group, aclHook());
        p.setNamesrvAddr(ns);
        p.setInstanceName(group); // the client id is IP@group
        p.setSendMsgTimeout(5000);
        p.setRetryTimesWhenSendFailed(0); // a failure is a finding: show it, do not hide it
        p.setRetryTimesWhenSendAsyncFailed(0);
        p.start();
        emit(new Line("started").put("clientId", p.buildMQClientId())
            .put("serializeType", System.getProperty("rocketmq.serialize.type", "JSON")));
        int failures = 0;
        for (String s : steps) {
            failures += step(p, s, topic, n);
        }
        emit(stopping());
        p.shutdown();
        emit(new Line("shutdown"));
        return failures == 0 ? 0 : 1;
    }

    static Message message(String topic, int i, byte[] body) {
        Message m = new Message(topic, "tag" + (i % 3), "k" + i + " order-" + i, body);
        m.putUserProperty("user-a", "va-" + i);
        m.putUserProperty("user_b", "value with spaces");
        return m;
    }

    static byte[] body(String op, int i) {
        return (op + " body " + i).getBytes(StandardCharsets.UTF_8);
    }

    /** compressible is a 16 KiB text that zlib shrinks a lot, but not to nothing. */
    static byte[] compressible(String op, int i) {
        StringBuilder sb = new StringBuilder(op + " body " + i + ";");
        for (int k = 0; sb.length() < 16 << 10; k++) {
            sb.append(String.format("line %05d of a compressible body;", k));
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int step(DefaultMQProducer p, String op, String topic, int n) throws Exception {
        int failures = 0;
        switch (op) {
            case "sync":
                for (int i = 0; i < n; i++) {
                    failures += sent(op, i, j -> p.send(message(topic, j, body(op, j))));
                }
                break;
            case "compressed":
                for (int i = 0; i < 2; i++) {
                    failures += sent(op, i, j -> p.send(message(topic, j, compressible(op, j))));
                }
                break;
            case "async": {
                CountDownLatch done = new CountDownLatch(n);
                AtomicInteger failed = new AtomicInteger();
                for (int i = 0; i < n; i++) {
                    final int idx = i;
                    p.send(message(topic, i, body(op, i)), new SendCallback() {
                        @Override
                        public void onSuccess(SendResult r) {
                            emit(result(op, idx, r));
                            done.countDown();
                        }

                        @Override
                        public void onException(Throwable e) {
                            emit(new Line(op).put("i", idx).put("error", e.toString()));
                            failed.incrementAndGet();
                            done.countDown();
                        }
                    });
                }
                if (!done.await(30, TimeUnit.SECONDS)) {
                    emit(new Line(op).put("error", "callbacks missing: " + done.getCount()));
                    failures++;
                }
                failures += failed.get();
                break;
            }
            case "oneway":
                for (int i = 0; i < n; i++) {
                    try {
                        p.sendOneway(message(topic, i, body(op, i)));
                        emit(new Line(op).put("i", i));
                    } catch (Exception e) {
                        emit(new Line(op).put("i", i).put("error", e.toString()));
                        failures++;
                    }
                }
                break;
            case "batch": {
                List<Message> batch = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    batch.add(message(topic, i, body(op, i)));
                }
                failures += sent(op, 0, j -> p.send((Collection<Message>) batch));
                break;
            }
            case "queue": {
                // The last queue of the route (sorted by broker, then queue id).
                List<MessageQueue> mqs = sorted(p.fetchPublishMessageQueues(topic));
                MessageQueue mq = mqs.get(mqs.size() - 1);
                emit(new Line("target").put("scenario", op).put("brokerName", mq.getBrokerName())
                    .put("queueId", mq.getQueueId()));
                for (int i = 0; i < n; i++) {
                    failures += sent(op, i, j -> p.send(message(topic, j, body(op, j)), mq));
                }
                break;
            }
            case "selector": {
                // Orders keyed by i % 3 go to the (i % 3)-th queue of the sorted route.
                MessageQueueSelector sel = (mqs, msg, arg) -> sorted(mqs).get((Integer) arg % mqs.size());
                for (int i = 0; i < n; i++) {
                    failures += sent(op, i, j -> p.send(message(topic, j, body(op, j)), sel, j % 3));
                }
                break;
            }
            default:
                throw new IllegalArgumentException(op);
        }
        return failures;
    }

    static List<MessageQueue> sorted(Collection<MessageQueue> mqs) {
        List<MessageQueue> out = new ArrayList<>(mqs);
        out.sort(Comparator.comparing(MessageQueue::getBrokerName).thenComparingInt(MessageQueue::getQueueId));
        return out;
    }

    interface Send {
        SendResult send(int i) throws Exception;
    }

    private static int sent(String op, int i, Send s) {
        try {
            emit(result(op, i, s.send(i)));
            return 0;
        } catch (Exception e) {
            emit(new Line(op).put("i", i).put("error", e.toString()));
            return 1;
        }
    }

    static Line result(String op, int i, SendResult r) {
        return new Line(op).put("i", i)
            .put("status", r.getSendStatus().name())
            .put("msgId", r.getMsgId())
            .put("offsetMsgId", r.getOffsetMsgId())
            .put("brokerName", r.getMessageQueue().getBrokerName())
            .put("queueId", r.getMessageQueue().getQueueId())
            .put("queueOffset", r.getQueueOffset())
            .put("regionId", r.getRegionId())
            .put("traceOn", r.isTraceOn());
    }

    // ---- transactions ----

    /** index reads i back from a message the producer scenarios built (user-a = va-{i}). */
    static int index(Message m) {
        return Integer.parseInt(m.getUserProperty("user-a").substring("va-".length()));
    }

    private static int transact(String ns, String topic, String group, int n) throws Exception {
        int unknowns = 0;
        for (int i = 0; i < n; i++) {
            if (i % 3 == 2) {
                unknowns++;
            }
        }
        Set<Integer> checked = ConcurrentHashMap.newKeySet();
        CountDownLatch allChecked = new CountDownLatch(unknowns);
        TransactionMQProducer p = new TransactionMQProducer(group);
        p.setNamesrvAddr(ns);
        p.setInstanceName(group);
        p.setSendMsgTimeout(5000);
        p.setRetryTimesWhenSendFailed(0);
        // The check executor is ours, so that shutdown can wait for the END_TRANSACTION a check
        // answer sends after the checker returns.
        ExecutorService checks = Executors.newSingleThreadExecutor();
        p.setExecutorService(checks);
        p.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                switch ((Integer) arg % 3) {
                    case 0:
                        return LocalTransactionState.COMMIT_MESSAGE;
                    case 1:
                        return LocalTransactionState.ROLLBACK_MESSAGE;
                    default:
                        return LocalTransactionState.UNKNOW;
                }
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                int i = index(msg);
                emit(new Line("check").put("i", i).put("msgId", msg.getMsgId())
                    .put("transactionId", msg.getTransactionId())
                    .put("checkTimes", msg.getUserProperty("TRANSACTION_CHECK_TIMES")));
                if (checked.add(i)) {
                    allChecked.countDown();
                }
                return LocalTransactionState.COMMIT_MESSAGE;
            }
        });
        p.start();
        emit(new Line("started").put("clientId", p.buildMQClientId()));
        int failures = 0;
        for (int i = 0; i < n; i++) {
            final int idx = i;
            try {
                TransactionSendResult r = p.sendMessageInTransaction(message(topic, i, body("transaction", i)), idx);
                emit(result("transaction", i, r).put("localTransactionState", r.getLocalTransactionState().name())
                    .put("transactionId", r.getTransactionId()));
            } catch (Exception e) {
                emit(new Line("transaction").put("i", i).put("error", e.toString()));
                failures++;
            }
        }
        if (!allChecked.await(30, TimeUnit.SECONDS)) {
            emit(new Line("check").put("error", "unchecked: " + allChecked.getCount()));
            failures++;
        }
        checks.shutdown();
        if (!checks.awaitTermination(10, TimeUnit.SECONDS)) {
            emit(new Line("check").put("error", "the check executor did not finish"));
            failures++;
        }
        emit(stopping());
        p.shutdown();
        emit(new Line("shutdown"));
        return failures == 0 ? 0 : 1;
    }

    // ---- request-reply ----

    private static int request(String ns, String topic, String group, int n) throws Exception {
        DefaultMQProducer replier = new DefaultMQProducer(group + "-replier");
        replier.setNamesrvAddr(ns);
        replier.setInstanceName(group + "-replier");
        replier.start();
        DefaultMQPushConsumer responder = new DefaultMQPushConsumer(group + "-responder");
        responder.setNamesrvAddr(ns);
        responder.setInstanceName(group + "-replier");
        responder.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        responder.subscribe(topic, "*");
        responder.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                try {
                    Message reply = MessageUtil.createReplyMessage(m,
                        ("reply to " + new String(m.getBody(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                    SendResult r = replier.send(reply);
                    emit(result("replied", index(m), r));
                } catch (Exception e) {
                    emit(new Line("replied").put("i", index(m)).put("error", e.toString()));
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        responder.start();

        DefaultMQProducer p = new DefaultMQProducer(group);
        p.setNamesrvAddr(ns);
        p.setInstanceName(group);
        p.start();
        // A reply can come through any broker of the reply topic: heartbeat to every broker of
        // the route now (the instance's own first heartbeat comes a second after start), so that
        // each knows this client id.
        MQClientInstance factory = p.getDefaultMQProducerImpl().getmQClientFactory();
        factory.updateTopicRouteInfoFromNameServer(topic);
        factory.sendHeartbeatToAllBrokerWithLock();
        emit(new Line("started").put("clientId", p.buildMQClientId()));
        int failures = 0;
        for (int i = 0; i < n; i++) {
            try {
                Message reply = p.request(message(topic, i, body("request", i)), 10000);
                emit(new Line("request").put("i", i)
                    .put("reply", new String(reply.getBody(), StandardCharsets.UTF_8))
                    .put("correlationId", reply.getProperty("CORRELATION_ID"))
                    .put("msgId", reply instanceof MessageExt ? ((MessageExt) reply).getMsgId() : null));
            } catch (Exception e) {
                emit(new Line("request").put("i", i).put("error", e.toString()));
                failures++;
            }
        }
        emit(stopping());
        p.shutdown();
        responder.shutdown();
        replier.shutdown();
        emit(new Line("shutdown"));
        return failures == 0 ? 0 : 1;
    }

    // ---- consumer ----

    private static int consume(String ns, String topic, String group, int expect) throws Exception {
        Set<String> ids = new HashSet<>();
        AtomicInteger total = new AtomicInteger();
        Object lock = new Object();
        long[] lastNew = {System.nanoTime()};
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, aclHook(), new AllocateMessageQueueAveragely());
        c.setNamesrvAddr(ns);
        c.setInstanceName(group);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                total.incrementAndGet();
                synchronized (lock) {
                    if (ids.add(m.getMsgId())) {
                        lastNew[0] = System.nanoTime();
                    }
                    lock.notifyAll();
                }
                Map<String, String> props = new TreeMap<>(m.getProperties());
                emit(new Line("received")
                    .put("msgId", m.getMsgId())
                    .put("offsetMsgId", m instanceof MessageClientExt ? ((MessageClientExt) m).getOffsetMsgId() : null)
                    .put("brokerName", ctx.getMessageQueue().getBrokerName())
                    .put("queueId", m.getQueueId())
                    .put("queueOffset", m.getQueueOffset())
                    .put("tags", m.getTags())
                    .put("keys", m.getKeys())
                    .put("userA", props.get("user-a"))
                    .put("sysFlag", m.getSysFlag())
                    .put("reconsumeTimes", m.getReconsumeTimes())
                    .put("bodyLen", m.getBody().length)
                    .put("bodySha256", sha256(m.getBody())));
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        emit(new Line("started").put("clientId", c.buildMQClientId()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        long grace = TimeUnit.MILLISECONDS.toNanos(1500);
        boolean complete;
        synchronized (lock) {
            while (true) {
                long now = System.nanoTime();
                if (now > deadline || (ids.size() >= expect && now - lastNew[0] > grace)) {
                    break;
                }
                lock.wait(100);
            }
            complete = ids.size() >= expect;
        }
        emit(stopping());
        c.shutdown(); // persists the offsets (15, oneway) and sends UNREGISTER_CLIENT (35)
        emit(new Line("shutdown").put("distinct", ids.size()).put("total", total.get()));
        return complete ? 0 : 1;
    }

    /** aclHook is the RPC hook that signs requests when the ACL properties are set, else null. */
    static RPCHook aclHook() {
        String ak = System.getProperty("rocketsim.acl.accessKey");
        String sk = System.getProperty("rocketsim.acl.secretKey");
        if (ak == null || sk == null) {
            return null;
        }
        return new AclClientRPCHook(new SessionCredentials(ak, sk));
    }

    // ---- two members of one group ----

    /**
     * Reporting computes Java's average allocation and prints it when it changes, so the test
     * sees each member's share as the member itself decided it (RebalanceImpl applies the result
     * right after).
     */
    static final class Reporting implements AllocateMessageQueueStrategy {
        private final String member;
        private final String topic;
        private final AllocateMessageQueueStrategy inner = new AllocateMessageQueueAveragely();
        private String last;

        Reporting(String member, String topic) {
            this.member = member;
            this.topic = topic;
        }

        @Override
        public synchronized List<MessageQueue> allocate(String group, String cid, List<MessageQueue> all, List<String> cids) {
            List<MessageQueue> mine = inner.allocate(group, cid, all, cids);
            if (!all.isEmpty() && all.get(0).getTopic().equals(topic)) {
                StringBuilder sb = new StringBuilder();
                for (MessageQueue mq : sorted(mine)) {
                    sb.append(sb.length() == 0 ? "" : ",").append(mq.getBrokerName()).append(':').append(mq.getQueueId());
                }
                String now = sb + "/" + cids.size();
                if (!now.equals(last)) {
                    last = now;
                    emit(new Line("allocated").put("member", member).put("queues", sb.toString())
                        .put("total", cids.size()));
                }
            }
            return mine;
        }

        @Override
        public String getName() {
            return inner.getName();
        }
    }

    static Line receivedLine(String member, MessageExt m, MessageQueue mq) {
        return new Line("received")
            .put("member", member)
            .put("msgId", m.getMsgId())
            .put("brokerName", mq.getBrokerName())
            .put("queueId", m.getQueueId())
            .put("queueOffset", m.getQueueOffset())
            .put("keys", m.getKeys())
            .put("reconsumeTimes", m.getReconsumeTimes());
    }

    private static DefaultMQPushConsumer member(String ns, String topic, String group, String member, boolean orderly)
        throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(ns);
        c.setInstanceName(group + "-" + member);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setAllocateMessageQueueStrategy(new Reporting(member, topic));
        // Shutdown waits for the listeners it has started before it persists the offsets;
        // without it (Java's default, 0) a message whose listener returned as shutdown began is
        // committed after the persist or never, and the next holder gets it again.
        c.setAwaitTerminationMillisWhenShutdown(10000);
        // A route query that times out at start (a JVM starved of CPU while it warms up) is
        // tried again at the next poll, 30 s later by default: the member would sit out.
        c.setPollNameServerInterval(1000);
        c.subscribe(topic, "*");
        if (orderly) {
            c.registerMessageListener((MessageListenerOrderly) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    emit(receivedLine(member, m, ctx.getMessageQueue()));
                }
                return ConsumeOrderlyStatus.SUCCESS;
            });
        } else {
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                for (MessageExt m : msgs) {
                    emit(receivedLine(member, m, ctx.getMessageQueue()));
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
        }
        c.start();
        emit(new Line("started").put("member", member).put("clientId", c.buildMQClientId()));
        return c;
    }

    private static int members(String ns, String topic, String group, String mode) throws Exception {
        if (!mode.equals("concurrent") && !mode.equals("orderly")) {
            throw new IllegalArgumentException("unknown mode " + mode);
        }
        boolean orderly = mode.equals("orderly");
        Map<String, DefaultMQPushConsumer> running = new TreeMap<>();
        running.put("m1", member(ns, topic, group, "m1", orderly));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String cmd = in.readLine(); cmd != null && !cmd.equals("quit"); cmd = in.readLine()) {
            String[] f = cmd.trim().split(" ");
            if (f.length == 2 && f[0].equals("start") && !running.containsKey(f[1])) {
                running.put(f[1], member(ns, topic, group, f[1], orderly));
                continue;
            }
            DefaultMQPushConsumer c = f.length == 2 && f[0].equals("stop") ? running.remove(f[1]) : null;
            if (c == null) {
                emit(new Line("command").put("error", "not a command or not running: " + cmd));
                continue;
            }
            c.shutdown(); // persists its offsets, unlocks its queues (orderly), sends UNREGISTER_CLIENT
            emit(new Line("stopped").put("member", f[1]));
        }
        emit(stopping());
        for (DefaultMQPushConsumer c : running.values()) {
            c.shutdown();
        }
        emit(new Line("shutdown"));
        return 0;
    }

    /** stopping marks when shutdown starts, in the client log's timestamp format. */
    static Line stopping() {
        return new Line("stopping").put("at", new java.text.SimpleDateFormat("yyyy-MM-dd HH:mm:ss,SSS").format(new java.util.Date()));
    }

    static String sha256(byte[] b) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder sb = new StringBuilder();
        for (byte x : md.digest(b)) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    // ---- output ----

    static void emit(Line l) {
        synchronized (OUT) {
            System.out.println(l.end());
            System.out.flush();
        }
    }

    /** Line is one JSON object, fields in the order put. */
    static final class Line {
        private final StringBuilder sb = new StringBuilder("{");

        Line(String op) {
            put("op", op);
        }

        Line put(String k, Object v) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            quote(k);
            sb.append(':');
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                quote(v.toString());
            }
            return this;
        }

        String end() {
            return sb.toString() + "}";
        }

        private void quote(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                switch (ch) {
                    case '"':
                        sb.append("\\\"");
                        break;
                    case '\\':
                        sb.append("\\\\");
                        break;
                    default:
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                }
            }
            sb.append('"');
        }
    }
}
