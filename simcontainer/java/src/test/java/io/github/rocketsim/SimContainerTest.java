package io.github.rocketsim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;

// README's snippet, from "README begin" to "README end", run as a test: sim serve in a container
// on fixed ports, each published on its own number, and Java's 4.9.7 producer sending to it.
class SimContainerTest {
    @Test
    void javaProducerSendsToTheSimContainer() throws Exception {
        // README begin
        GenericContainer<?> sim = new GenericContainer<>("rocketsim/sim:dev")
            .withCommand("-namesrv", "0.0.0.0:19876", "-broker-port", "20911", "-advertise", "127.0.0.1",
                "-topics", "Orders:4")
            .withExposedPorts(19876, 20911)
            .waitingFor(Wait.forLogMessage("\\{\"namesrv\":.*\\n", 1));
        sim.setPortBindings(List.of("19876:19876", "20911:20911"));
        sim.start();
        // The ready line: {"namesrv":"127.0.0.1:19876","brokers":[{"name":"broker-a","addr":"127.0.0.1:20911"}]}
        String ready = sim.getLogs(OutputFrame.OutputType.STDOUT).lines().findFirst().orElseThrow();

        DefaultMQProducer producer = new DefaultMQProducer("orders");
        producer.setNamesrvAddr("127.0.0.1:19876");
        producer.start();
        SendResult sent = producer.send(new Message("Orders", "hello".getBytes(StandardCharsets.UTF_8)));
        // README end
        try {
            assertEquals("{\"namesrv\":\"127.0.0.1:19876\",\"brokers\":[{\"name\":\"broker-a\",\"addr\":\"127.0.0.1:20911\"}]}", ready);
            assertEquals(SendStatus.SEND_OK, sent.getSendStatus());
            assertEquals("broker-a", sent.getMessageQueue().getBrokerName());
        } finally {
            producer.shutdown();
            sim.stop();
        }
    }
}
