// AclVectors writes the golden vectors of acl/testdata: what Java 4.9.7's AclClientRPCHook adds to
// requests (signing.json) and what its PlainAccessValidator says about requests (validate.json,
// against validate_acl.yml). Run it with the rocketmq-acl 4.9.7 jar and its dependencies:
//
//   cd acl/testdata/gen && mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt
//   mkdir -p home/conf && cp ../validate_acl.yml home/conf/plain_acl.yml
//   java -Drocketmq.home.dir=$PWD/home -cp "$(cat cp.txt)" AclVectors.java ..
//
// Every answer of the validator is written as a 4.9.7 broker words it (RemotingHelper's
// exceptionSimpleDesc of the AclException its RPC hook throws), so the fakes can be compared word
// for word.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.alibaba.fastjson.JSON;
import com.alibaba.fastjson.serializer.SerializerFeature;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.acl.plain.PlainAccessValidator;
import org.apache.rocketmq.common.protocol.heartbeat.ConsumerData;
import org.apache.rocketmq.common.protocol.heartbeat.HeartbeatData;
import org.apache.rocketmq.common.protocol.heartbeat.SubscriptionData;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

public class AclVectors {
    static Map<String, Object> signCase(String name, int code, Map<String, String> ext, byte[] body,
        SessionCredentials creds) {
        RemotingCommand req = RemotingCommand.createRequestCommand(code, null);
        req.setExtFields(new HashMap<>(ext));
        req.setBody(body);
        new AclClientRPCHook(creds).doBeforeRequest("127.0.0.1:10911", req);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("code", code);
        c.put("ext", ext);
        c.put("body", body == null ? null : Base64.getEncoder().encodeToString(body));
        c.put("accessKey", creds.getAccessKey());
        c.put("secretKey", creds.getSecretKey());
        c.put("securityToken", creds.getSecurityToken());
        c.put("signedExt", req.getExtFields());
        return c;
    }

    static Map<String, String> ext(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static Map<String, Object> check(PlainAccessValidator v, String name, String remote, int code,
        Map<String, String> ext, byte[] body, SessionCredentials creds, String tamper) {
        RemotingCommand req = RemotingCommand.createRequestCommand(code, null);
        req.setExtFields(new HashMap<>(ext));
        req.setBody(body);
        if (creds != null) {
            new AclClientRPCHook(creds).doBeforeRequest(remote, req);
        }
        Map<String, String> sent = new HashMap<>(req.getExtFields());
        if ("body".equals(tamper)) {
            req.setBody("tampered".getBytes(StandardCharsets.UTF_8));
        }
        String answer = "";
        try {
            v.validate(v.parse(req, remote));
        } catch (Throwable e) {
            answer = RemotingHelper.exceptionSimpleDesc(e);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("remote", remote);
        c.put("code", code);
        c.put("ext", sent);
        c.put("body", req.getBody() == null ? null : Base64.getEncoder().encodeToString(req.getBody()));
        c.put("remark", answer);
        return c;
    }

    static byte[] heartbeat(String group, String... topics) {
        HeartbeatData hb = new HeartbeatData();
        hb.setClientID("127.0.0.1@1");
        ConsumerData cd = new ConsumerData();
        cd.setGroupName(group);
        cd.setSubscriptionDataSet(new HashSet<>());
        for (String t : topics) {
            SubscriptionData sd = new SubscriptionData();
            sd.setTopic(t);
            sd.setSubString("*");
            cd.getSubscriptionDataSet().add(sd);
        }
        hb.getConsumerDataSet().add(cd);
        return hb.encode();
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        byte[] utf8 = "héllo, 世界".getBytes(StandardCharsets.UTF_8);
        byte[] binary = new byte[] {0, (byte) 0xff, (byte) 0xfe, 1, (byte) 0x80, 'x'};
        SessionCredentials rocket = new SessionCredentials("RocketMQ", "12345678");
        SessionCredentials withToken = new SessionCredentials("RocketMQ", "12345678", "token-42");
        List<Object> signing = new ArrayList<>();
        signing.add(signCase("no fields, no body", 105, ext(), null, rocket));
        signing.add(signCase("route query", 105, ext("topic", "TopicTest"), null, rocket));
        signing.add(signCase("send v2 with a body", 310,
            ext("a", "pg", "b", "TopicTest", "c", "TBW102", "d", "4", "e", "1", "f", "0", "g", "1700000000000",
                "h", "0", "i", "UNIQ_KEY\u000112345\u0002WAIT\u0001true\u0002", "j", "0", "k", "false", "m", "false"),
            utf8, rocket));
        signing.add(signCase("binary body", 310, ext("b", "T"), binary, rocket));
        signing.add(signCase("empty body", 310, ext("b", "T"), new byte[0], rocket));
        signing.add(signCase("security token", 34, ext("clientID", "c1"), utf8, withToken));
        signing.add(signCase("a stale signature is replaced", 105,
            ext("topic", "T", "Signature", "stale", "AccessKey", "someoneElse"), null, rocket));
        signing.add(signCase("keys sort as Java strings (UTF-16), not as UTF-8 bytes", 105,
            ext("\uFFFD", "bmp", "\uD83D\uDE00", "astral", "Z", "upper", "a", "lower"), null, rocket));
        signing.add(signCase("non-ASCII secret", 105, ext("topic", "T"), null,
            new SessionCredentials("ünïcode-key", "sécret-ключ")));
        signing.add(signCase("unique-key query flag is signed by the client", 12,
            ext("topic", "T", "key", "k", "maxNum", "32", "beginTimestamp", "0", "endTimestamp", "1",
                "_UNIQUE_KEY_QUERY", "true"), null, rocket));
        write(out.resolve("signing.json"), signing);

        PlainAccessValidator v = new PlainAccessValidator();
        SessionCredentials admin = new SessionCredentials("rocketmq2", "12345678");
        SessionCredentials wrong = new SessionCredentials("RocketMQ", "87654321");
        SessionCredentials stranger = new SessionCredentials("nobody-here", "12345678");
        String local = "127.0.0.1:54321";
        List<Object> checks = new ArrayList<>();
        checks.add(check(v, "unsigned", local, 310, ext("a", "pg", "b", "topicB"), utf8, null, null));
        checks.add(check(v, "unknown account", local, 310, ext("a", "pg", "b", "topicB"), utf8, stranger, null));
        checks.add(check(v, "wrong secret", local, 310, ext("a", "pg", "b", "topicB"), utf8, wrong, null));
        checks.add(check(v, "body changed after signing", local, 310, ext("a", "pg", "b", "topicB"), utf8, rocket, "body"));
        checks.add(check(v, "send v2 to a PUB|SUB topic", local, 310, ext("a", "pg", "b", "topicB"), utf8, rocket, null));
        checks.add(check(v, "send v2 to a DENY topic", local, 310, ext("a", "pg", "b", "topicA"), utf8, rocket, null));
        checks.add(check(v, "send v2 to a SUB-only topic", local, 310, ext("a", "pg", "b", "topicC"), utf8, rocket, null));
        checks.add(check(v, "send v2 to a topic left to the default (DENY)", local, 310, ext("a", "pg", "b", "other"), utf8, rocket, null));
        checks.add(check(v, "send v1 to a PUB|SUB topic", local, 10, ext("producerGroup", "pg", "topic", "topicB"), utf8, rocket, null));
        checks.add(check(v, "send v1 to a DENY topic", local, 10, ext("producerGroup", "pg", "topic", "topicA"), utf8, rocket, null));
        checks.add(check(v, "send v2 to a retry topic needs the group's SUB", local, 310,
            ext("a", "groupA", "b", "%RETRY%groupA"), utf8, rocket, null));
        checks.add(check(v, "send v2 to a retry topic of a SUB group", local, 310,
            ext("a", "groupC", "b", "%RETRY%groupC"), utf8, rocket, null));
        checks.add(check(v, "pull a SUB topic in a SUB group", local, 11,
            ext("consumerGroup", "groupC", "topic", "topicC", "queueId", "0"), null, rocket, null));
        checks.add(check(v, "pull in a DENY group", local, 11,
            ext("consumerGroup", "groupA", "topic", "topicC", "queueId", "0"), null, rocket, null));
        checks.add(check(v, "pull a DENY topic", local, 11,
            ext("consumerGroup", "groupC", "topic", "topicA", "queueId", "0"), null, rocket, null));
        checks.add(check(v, "pull in a group left to the default (SUB)", local, 11,
            ext("consumerGroup", "someGroup", "topic", "topicB", "queueId", "0"), null, rocket, null));
        checks.add(check(v, "send back in a DENY group", local, 36,
            ext("group", "groupA", "offset", "0"), null, rocket, null));
        checks.add(check(v, "query a DENY topic", local, 12,
            ext("topic", "topicA", "key", "k", "maxNum", "32", "beginTimestamp", "0", "endTimestamp", "1"), null, rocket, null));
        checks.add(check(v, "unique-key query: the flag signed by the client is left out by the broker", local, 12,
            ext("topic", "topicB", "key", "k", "maxNum", "32", "beginTimestamp", "0", "endTimestamp", "1",
                "_UNIQUE_KEY_QUERY", "true"), null, rocket, null));
        checks.add(check(v, "heartbeat subscribing a DENY topic", local, 34, ext(), heartbeat("groupB", "topicA"), rocket, null));
        checks.add(check(v, "heartbeat subscribing a SUB topic", local, 34, ext(), heartbeat("groupB", "topicC"), rocket, null));
        checks.add(check(v, "heartbeat of a producer only", local, 34, ext(), new HeartbeatData().encode(), rocket, null));
        checks.add(check(v, "unregister a DENY group", local, 35, ext("clientID", "c", "consumerGroup", "groupA"), null, rocket, null));
        checks.add(check(v, "consumer list of a DENY group", local, 38, ext("consumerGroup", "groupA"), null, rocket, null));
        checks.add(check(v, "commit an offset of a DENY topic", local, 15,
            ext("consumerGroup", "groupB", "topic", "topicA", "queueId", "0", "commitOffset", "1"), null, rocket, null));
        checks.add(check(v, "create a topic without admin", local, 17, ext("topic", "topicZ"), null, rocket, null));
        checks.add(check(v, "create a topic as admin, from an address outside its white list", local, 17, ext("topic", "topicZ"), null, admin, null));
        checks.add(check(v, "send as admin, from an address outside its white list", local, 310, ext("a", "pg", "b", "anything"), utf8, admin, null));
        checks.add(check(v, "admin from its white-listed address, signature wrong", "192.168.1.7:4000", 17,
            ext("topic", "topicZ"), null, new SessionCredentials("rocketmq2", "wrong-secret"), null));
        checks.add(check(v, "global white address, unsigned", "10.10.103.9:4000", 310, ext("a", "pg", "b", "topicA"), utf8, null, null));
        checks.add(check(v, "global white range, unsigned", "172.16.5.20:4000", 310, ext("a", "pg", "b", "topicA"), utf8, null, null));
        checks.add(check(v, "outside the global white range, unsigned", "172.16.5.21:4000", 310, ext("a", "pg", "b", "topicA"), utf8, null, null));
        checks.add(check(v, "the trace topic is always open to PUB", local, 310, ext("a", "pg", "b", "RMQ_SYS_TRACE_TOPIC"), utf8, rocket, null));
        checks.add(check(v, "a code with no resources, signed", local, 105, ext("topic", "topicA"), null, rocket, null));
        checks.add(check(v, "a code with no resources, unsigned", local, 105, ext("topic", "topicA"), null, null, null));
        checks.add(check(v, "a token account with a token", local, 310, ext("a", "pg", "b", "topicB"), utf8,
            new SessionCredentials("tokenUser1", "tokenSecret1", "t-1"), null));
        write(out.resolve("validate.json"), checks);
        System.exit(0);
    }

    static void write(Path p, Object o) throws Exception {
        Files.writeString(p, JSON.toJSONString(o, SerializerFeature.PrettyFormat, SerializerFeature.WriteMapNullValue,
            SerializerFeature.MapSortField) + "\n");
    }
}
