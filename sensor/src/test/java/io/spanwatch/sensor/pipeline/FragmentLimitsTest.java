package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.sensor.decode.Defragmenter.Limits;
import io.spanwatch.sensor.reassembly.HostPolicies;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which hosts get their stack's fragment limits ({@link Pipeline#fragmentLimits}): those whose stack is
 * named, by a block or a fallback other than the default; a host only guessed to be BSD gets none.
 */
class FragmentLimitsTest {
    private static final SensorConfig.DefragConfig C = SensorConfig.DefragConfig.DEFAULTS;

    private static Limits of(HostPolicies p, String addr) {
        return Pipeline.fragmentLimits(p, InetAddress.ofLiteral(addr).getAddress(), C);
    }

    @Test
    void namedStacksGetTheirLimitsAndGuessedOnesNone() {
        assertEquals(Limits.NONE, of(HostPolicies.DEFAULTS, "192.0.2.1"), "the default bsd is a guess");
        assertEquals(Limits.NONE, of(HostPolicies.DEFAULTS, "2001:db8::1"));
        HostPolicies blocks = HostPolicies.of(OverlapPolicy.DEFAULT, Map.of(OverlapPolicy.BSD, List.of("10.0.0.0/8", "2001:db8::/32"),
                OverlapPolicy.MACOS, List.of("10.9.0.0/16"), OverlapPolicy.LINUX, List.of("192.0.2.0/24"),
                OverlapPolicy.WINDOWS, List.of("198.51.100.0/24")));
        assertEquals(new Limits(16, 64, 0), of(blocks, "10.1.2.3"));
        assertEquals(new Limits(16, 64, 0), of(blocks, "2001:db8::1"));
        assertEquals(new Limits(128, 0, 0), of(blocks, "10.9.1.1"));
        assertEquals(new Limits(0, 0, 64), of(blocks, "192.0.2.7"));
        assertEquals(Limits.NONE, of(blocks, "198.51.100.1"));
        assertEquals(Limits.NONE, of(blocks, "203.0.113.1"), "not in a block: the default guess");
        HostPolicies linux = HostPolicies.of(OverlapPolicy.LINUX, Map.of());
        assertEquals(new Limits(0, 0, 64), of(linux, "203.0.113.1"), "a fallback set to another stack names it");
        assertEquals(new Limits(0, 0, 32), Pipeline.fragmentLimits(linux, new byte[] {1, 2, 3, 4},
                new SensorConfig.DefragConfig(1, 1, 1, 32, 1, 1, 1)));
    }
}
