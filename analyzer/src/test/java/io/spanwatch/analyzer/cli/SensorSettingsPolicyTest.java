package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.pipeline.SensorConfig;
import io.spanwatch.sensor.reassembly.HostPolicies;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the reassembly policy keys: stream.policy and stream.policy.NAME, as Suricata's host-os-policy. */
class SensorSettingsPolicyTest {

    static HostPolicies build(Path dir, String... assignments) throws Exception {
        SensorSettings s = new SensorSettings();
        for (String a : assignments) {
            s.set(a);
        }
        return s.build(SensorConfig.defaults(dir, false)).reassembly().policies();
    }

    static OverlapPolicy of(HostPolicies p, String addr) throws Exception {
        return p.forAddress(InetAddress.ofLiteral(addr).getAddress());
    }

    @Test
    void theDefaultIsSuricatasAndBlocksChooseByMostSpecificPrefix(@TempDir Path dir) throws Exception {
        HostPolicies d = build(dir);
        assertEquals(OverlapPolicy.BSD, of(d, "192.0.2.1"));
        assertEquals(OverlapPolicy.BSD, of(d, "2001:db8::1"));
        HostPolicies p = build(dir, "stream.policy=linux", "stream.policy.windows = 10.0.0.0/8, 2001:db8::/32",
                "stream.policy.vista=10.1.0.0/16", "stream.policy.old-linux=10.1.2.3", "stream.policy.hpux11=2001:db8:0:1::/64");
        assertEquals(OverlapPolicy.LINUX, of(p, "192.0.2.1"));
        assertEquals(OverlapPolicy.WINDOWS, of(p, "10.200.0.1"));
        assertEquals(OverlapPolicy.VISTA, of(p, "10.1.9.9"));
        assertEquals(OverlapPolicy.OLD_LINUX, of(p, "10.1.2.3"));
        assertEquals(OverlapPolicy.WINDOWS, of(p, "2001:db8:ffff::1"));
        assertEquals(OverlapPolicy.HPUX11, of(p, "2001:db8:0:1::99"));
        assertEquals(OverlapPolicy.LINUX, of(p, "2001:db9::1"));
        assertEquals(5, p.size());
    }

    @Test
    void badValuesNameTheKey(@TempDir Path dir) {
        String e = assertThrows(SensorSettings.SettingsException.class, () -> build(dir, "stream.policy=beos")).getMessage();
        assertTrue(e.contains("stream.policy=beos") && e.contains("old-linux"), e);
        e = assertThrows(SensorSettings.SettingsException.class, () -> build(dir, "stream.policy.linux=10.0.0.0/33")).getMessage();
        assertTrue(e.contains("stream.policy.linux") && e.contains("10.0.0.0/33"), e);
        e = assertThrows(SensorSettings.SettingsException.class, () -> build(dir, "stream.policy.linux=10.1/16")).getMessage();
        assertTrue(e.contains("stream.policy.linux") && e.contains("10.1/16"), e);
        e = assertThrows(SensorSettings.SettingsException.class, () -> build(dir, "stream.policy.linux=gateway.example")).getMessage();
        assertTrue(e.contains("gateway.example"), e);
        e = assertThrows(SensorSettings.SettingsException.class,
                () -> build(dir, "stream.policy.linux=10.0.0.0/8", "stream.policy.bsd=10.0.0.0/8")).getMessage();
        assertTrue(e.contains("10.0.0.0/8") && e.contains("two policies"), e);
        e = assertThrows(SensorSettings.SettingsException.class, () -> build(dir, "stream.policy.beos=10.0.0.0/8")).getMessage();
        assertTrue(e.contains("unknown key stream.policy.beos"), e);
    }

    @Test
    void theKeysAreListed() {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("config-keys");
        assertEquals(0, r.status());
        for (OverlapPolicy p : OverlapPolicy.values()) {
            assertTrue(r.out().contains("stream.policy." + p.text()), r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("stream.policy ") && l.contains("bsd")), r.out());
    }

    @Test
    void aBadPolicyOnTheCommandLineIsOneLineAndExitOne(@TempDir Path tmp) {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("sensor", "--interface", "lo", "--out", tmp.toString(),
                "--set", "stream.policy.linux=10.0.0.300");
        assertEquals(1, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("stream.policy.linux") && r.err().contains("10.0.0.300"), r.err());
    }

    /** The destination stacks' fragment limits: each key's default is the stack's, and a value is taken. */
    @Test
    void fragmentLimitKeysDefaultToTheStacksValues(@TempDir Path dir) throws Exception {
        SensorSettings d = new SensorSettings();
        SensorConfig.DefragConfig defaults = d.build(SensorConfig.defaults(dir, false)).defrag();
        assertEquals(64, defaults.linuxMaxDist());
        assertEquals(16, defaults.bsdMaxFrags());
        assertEquals(64, defaults.bsdMaxFrags6());
        assertEquals(128, defaults.macosMaxFrags());
        SensorSettings s = new SensorSettings();
        s.set("defrag.linux.ipfrag-max-dist=0");
        s.set("defrag.bsd.maxfragsperpacket=32");
        s.set("defrag.bsd.ip6-maxfragsperpacket=8");
        s.set("defrag.macos.maxfragsperpacket=200");
        SensorConfig.DefragConfig set = s.build(SensorConfig.defaults(dir, false)).defrag();
        assertEquals(new SensorConfig.DefragConfig(defaults.maxDatagrams(), defaults.memcap(), defaults.timeoutSeconds(), 0, 32, 8, 200), set);
        SensorSettings bad = new SensorSettings();
        bad.set("defrag.bsd.maxfragsperpacket=-1");
        String e = assertThrows(SensorSettings.SettingsException.class, () -> bad.build(SensorConfig.defaults(dir, false))).getMessage();
        assertTrue(e.contains("defrag.bsd.maxfragsperpacket"), e);
    }
}
