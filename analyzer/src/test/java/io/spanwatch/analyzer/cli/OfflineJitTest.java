package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class OfflineJitTest {
    @Test
    void theDirectiveIsAddedToTheRunningJvm() throws Exception {
        String answer = OfflineJit.luceneOnC1();
        assertNotNull(answer, "the diagnostic command answered");
        assertEquals("1 compiler directives added", answer);
        Object printed = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "compilerDirectivesPrint", new Object[] {new String[0]}, new String[] {String[].class.getName()});
        assertTrue(String.valueOf(printed).contains("org/apache/lucene/*.*"), "the JVM holds the directive: " + printed);
    }

    @Test
    void startsOneThreadPerProcess() throws Exception {
        Thread t = OfflineJit.start();
        assertSame(t, OfflineJit.start());
        t.join();
        assertTrue(t.isDaemon() && "spanwatch-jit".equals(t.getName()));
    }
}
