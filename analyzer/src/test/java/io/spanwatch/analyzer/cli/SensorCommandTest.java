package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SensorCommandTest {

    @Test
    void missingInterfaceIsOneClearLineAndExitOne(@TempDir Path tmp) {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("sensor", "--interface", "nosuchif0", "--out", tmp.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        // Where libpcap is installed the interface is named; where it is not, that is the one problem named.
        assertTrue(r.err().contains("nosuchif0") || r.err().contains("libpcap"), r.err());
    }

    @Test
    void runIsTheSensorUnderDesignsName(@TempDir Path tmp) {
        // DESIGN.md: "sensor and analyzer in one process (spanwatch run --interface eth1)"
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("run", "--interface", "nosuchif0", "--out", tmp.toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("nosuchif0") || r.err().contains("libpcap"), r.err());
        assertEquals(Path.of("/var/lib/spanwatch/eth1"), SensorCommand.defaultOut("eth1"));
        for (String bad : new String[] {"..", ".", "a/b", ""}) {
            assertEquals(null, SensorCommand.defaultOut(bad), bad);
        }
        AnalyzeCommandTest.Run dots = AnalyzeCommandTest.run("run", "--interface", "..");
        assertEquals(1, dots.status());
        assertTrue(dots.err().contains("give --out DIR"), dots.err());
    }

    @Test
    void badConfigurationValueNamesTheKey(@TempDir Path tmp) {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("sensor", "--interface", "lo", "--out", tmp.toString(),
                "--set", "stream.memcap=lots");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("stream.memcap"), r.err());
    }

    @Test
    void tunnelKeysReachTheDecoderConfiguration(@TempDir Path tmp) throws Exception {
        SensorSettings s = new SensorSettings();
        s.set("decoder.teredo.ports=3544, 3545");
        s.set("decoder.teredo.any-port=false");
        s.set("decoder.gtpu.ports=none");
        s.set("decoder.vxlan.ports=");
        s.set("decoder.max-tunnel-depth=6");
        s.set("decoder.mpls-udp.ports=6635,7000");
        s.set("decoder.vxlan-gpe.ports=4790,14790");
        s.set("decoder.l2tpv3.cookie-size=8");
        s.set("decoder.l2tpv3.l2-specific-sublayer=None");
        var t = s.build(io.spanwatch.sensor.pipeline.SensorConfig.defaults(tmp, false)).tunnels();
        assertEquals(java.util.List.of(3544, 3545), t.teredoPorts());
        assertEquals(false, t.teredoAnyPort());
        assertEquals(java.util.List.of(), t.gtpuPorts());
        assertEquals(true, t.gtpuAnyPort());
        assertEquals(java.util.List.of(), t.vxlanPorts());
        assertEquals(java.util.List.of(6081), t.genevePorts());
        assertEquals(6, t.maxDepth());
        assertEquals(java.util.List.of(6635, 7000), t.mplsUdpPorts());
        assertEquals(java.util.List.of(4790, 14790), t.vxlanGpePorts());
        assertEquals(8, t.l2tpv3CookieLength());
        assertEquals(0, t.l2tpv3Sublayer());
        SensorSettings defaults = new SensorSettings();
        defaults.set("decoder.l2tpv3.l2-specific-sublayer=default");
        var d = defaults.build(io.spanwatch.sensor.pipeline.SensorConfig.defaults(tmp, false)).tunnels();
        assertEquals(io.spanwatch.sensor.decode.TunnelConfig.DETECT, d.l2tpv3CookieLength());
        assertEquals(4, d.l2tpv3Sublayer());
        for (String bad : new String[] {"decoder.ayiya.ports=5072,x", "decoder.gre-udp.ports=70000", "decoder.max-tunnel-depth=9",
            "decoder.mpls-udp.ports=0", "decoder.l2tpv3.cookie-size=6", "decoder.l2tpv3.l2-specific-sublayer=4"}) {
            SensorSettings b = new SensorSettings();
            b.set(bad);
            var e = org.junit.jupiter.api.Assertions.assertThrows(SensorSettings.SettingsException.class,
                    () -> b.build(io.spanwatch.sensor.pipeline.SensorConfig.defaults(tmp, false)));
            assertTrue(e.getMessage().contains(bad.substring(0, bad.indexOf('='))), e.getMessage());
        }
    }

    @Test
    void configKeysAreListedWithDefaults() {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("config-keys");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("flow.max-flows") && r.out().contains(String.valueOf(io.spanwatch.sensor.flow.FlowConfig.DEFAULT_MAX_FLOWS)),
                r.out());
        assertEquals(io.spanwatch.sensor.flow.FlowConfig.MAX_DEFAULT_FLOWS, io.spanwatch.sensor.flow.FlowConfig.defaultMaxFlows(2L << 30));
        assertEquals(10_000, io.spanwatch.sensor.flow.FlowConfig.defaultMaxFlows(16L << 20));
        assertTrue(io.spanwatch.sensor.flow.FlowConfig.defaultMaxFlows(455L << 20) < 100_000, "the launcher's default heap");
        assertTrue(r.out().contains("decoder.teredo.ports") && r.out().contains("4789,8472"), r.out());
        assertTrue(r.out().contains("decoder.vxlan-gpe.ports") && r.out().contains("decoder.l2tpv3.cookie-size"), r.out());
        // the defaults form one column whatever the longest key (decoder.l2tpv3.l2-specific-sublayer broke it)
        java.util.Set<Integer> column = new java.util.HashSet<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                column.add(line.indexOf(' ') + line.substring(line.indexOf(' ')).indexOf(line.substring(line.indexOf(' ')).strip()));
            }
        }
        assertEquals(1, column.size(), "where the default starts, per line: " + column);
        assertEquals(150L << 20, SensorSettings.parseSize("150m"));
        assertEquals(64L << 10, SensorSettings.parseSize("64 KiB"));
    }
}
