package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AddressSet;

import java.util.Set;

/**
 * Provides the functions SpanWatch adds to EPL: {@code is_ip_literal(host)}, {@code is_executable(mimetype)}
 * and {@code in_home_net(ip)}. Esper calls them as static methods; each takes null and returns false.
 */
public final class RuleFunctions {
    /** Media types of programs a system runs directly, as the sensor sniffs them. */
    private static final Set<String> EXECUTABLES = Set.of("application/x-dosexec", "application/x-executable",
            "application/x-sharedlib", "application/x-mach-binary", "application/x-msdownload",
            "application/vnd.microsoft.portable-executable");

    /** The internal hosts of the running stage (one per process). */
    static volatile AddressSet homeNet = AddressSet.empty();

    private RuleFunctions() {
    }

    /** Tells whether a host (e.g. {@code http.hostname}) is an IPv4 or IPv6 address literal. */
    public static boolean isIpLiteral(String host) {
        return host != null && AddressSet.isLiteral(host);
    }

    /** Tells whether a sniffed media type is an executable program (PE, ELF, Mach-O). */
    public static boolean isExecutable(String mimetype) {
        return mimetype != null && EXECUTABLES.contains(mimetype);
    }

    /** Tells whether an address is internal ({@code --home-net}). */
    public static boolean inHomeNet(String ip) {
        return ip != null && homeNet.contains(ip);
    }
}
