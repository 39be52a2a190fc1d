package io.spanwatch.analyzer.feed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real Apache Kafka broker (KRaft, combined broker and controller, from Maven Central's
 * kafka_2.13 on the test classpath) in a child JVM on loopback ports: formats its storage once,
 * starts, stops with SIGTERM (a clean shutdown) and starts again on the same ports and data.
 */
final class KafkaBroker implements AutoCloseable {
    final int port;
    private final Path dir;
    private final Path props;
    private Process process;

    private KafkaBroker(Path dir, int port, int controllerPort) throws IOException {
        this.dir = dir;
        this.port = port;
        this.props = dir.resolve("server.properties");
        Files.createDirectories(dir);
        Files.writeString(props, """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%3$s
                num.partitions=3
                offsets.topic.replication.factor=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                group.initial.rebalance.delay.ms=0
                auto.create.topics.enable=true
                """.formatted(port, controllerPort, dir.resolve("data")));
    }

    static KafkaBroker start(Path dir) throws Exception {
        KafkaBroker b = new KafkaBroker(dir, Rsyslog.freePort(), Rsyslog.freePort());
        b.java("kafka.tools.StorageTool", "format", "-t", org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", b.props.toString())
                .waitFor();
        b.start();
        return b;
    }

    private Process java(String main, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile())).start();
    }

    void start() throws Exception {
        process = java("kafka.Kafka", props.toString());
        if (!Rsyslog.awaitListening(port, process, 120)) {
            throw new IllegalStateException("Kafka did not start; see " + dir.resolve("kafka.log"));
        }
    }

    void stop() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
