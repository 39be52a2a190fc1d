package io.spanwatch.analyzer.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * Keeps Lucene's code on the JVM's first compiler (C1) in {@code analyze} (and so {@code demo}), by a
 * HotSpot compiler directive (JEP 165) added through the JVM's diagnostic command
 * {@code Compiler.directives_add}, the one {@code jcmd} uses.
 *
 * <p>Why: analyze writes a capture's index once, with one thread, in a run of seconds to minutes. The
 * optimizing compiler (C2) spent more CPU compiling Lucene's indexing and flush code than the index
 * took to write: on the 1 GiB benchmark capture (14,443 events) the index added 41-48 % wall time
 * with C2, 14-28 % with Lucene left to C1 (alternating runs on a two-vCPU machine, 2026-12-03). Everything else keeps C2, and so does Lucene in the
 * long-running and bulk commands ({@code sensor}, {@code index}, {@code console}), where C2 pays off
 * (a 2-million-event import: 41 s with C2, 53 s with Lucene on C1).
 *
 * <p>Not a launcher flag ({@code -XX:CompilerDirectivesFile}): that one prints a line on stdout. The
 * platform MBean server the command goes through takes 0.1-0.2 s to start, so the directive is added
 * by a thread of its own while analyze opens its inputs; Lucene's code gets hot seconds later. A JVM
 * without the command (not HotSpot) compiles as usual, only slower.
 */
final class OfflineJit {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OfflineJit.class);
    static final String DIRECTIVES = "[{ match: [\"org/apache/lucene/*.*\"], c2: { Exclude: true } }]";
    private static Thread started;

    private OfflineJit() {
    }

    /** Starts adding the directive (once per process) on a daemon thread; returns that thread. */
    static synchronized Thread start() {
        if (started == null) {
            started = Thread.ofPlatform().daemon().name("spanwatch-jit").start(OfflineJit::luceneOnC1);
        }
        return started;
    }

    /** Adds the directive; returns the diagnostic command's answer, or null when it could not. */
    static String luceneOnC1() {
        Path f = null;
        try {
            f = Files.createTempFile("spanwatch-jit", ".json");
            Files.writeString(f, DIRECTIVES);
            Object answer = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "compilerDirectivesAdd", new Object[] {new String[] {f.toString()}}, new String[] {String[].class.getName()});
            String text = String.valueOf(answer).strip();
            LOG.debug("compiler directive: {}", text);
            return text;
        } catch (Exception | LinkageError e) {
            LOG.debug("compiler directive not added: {}", e.toString());
            return null;
        } finally {
            if (f != null) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    LOG.debug("{} left behind: {}", f, e.toString());
                }
            }
        }
    }
}
