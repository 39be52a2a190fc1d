package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AddressSet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Holds the destinations an operator knows to be benign when periodic (update checks, telemetry,
 * NTP): host names, IP addresses and CIDRs, one a line ({@code #} starts a comment). A name matches
 * itself and its subdomains on label boundaries: {@code softvendor.example} matches
 * {@code update.softvendor.example}, never {@code notsoftvendor.example}. Their traffic is still
 * scored; it never raises a beacon alert.
 *
 * <p>Immutable and thread-safe.
 */
public final class Allowlist {
    /** Longest name accepted (DNS allows 253). */
    private static final int MAX_NAME = 253;

    private final Set<String> names;
    private final AddressSet addresses;

    private Allowlist(Set<String> names, AddressSet addresses) {
        this.names = Set.copyOf(names);
        this.addresses = addresses;
    }

    /** Returns the allowlist that allows nothing. */
    public static Allowlist empty() {
        return new Allowlist(Set.of(), AddressSet.empty());
    }

    /**
     * Reads the files in order.
     *
     * @throws IOException naming the file that cannot be read, or the file and line of an entry that
     *         is neither a name, an address nor a CIDR
     */
    public static Allowlist load(List<Path> files) throws IOException {
        Set<String> names = new HashSet<>();
        AddressSet.Builder addresses = new AddressSet.Builder();
        for (Path f : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("cannot read allowlist " + f + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String entry = strip(lines.get(i));
                if (entry.isEmpty() || addresses.add(entry)) {
                    continue;
                }
                String name = normalise(entry);
                if (name == null) {
                    throw new IOException(f + ":" + (i + 1) + ": not a host name, IP address or CIDR: " + entry);
                }
                names.add(name);
            }
        }
        return new Allowlist(names, addresses.build());
    }

    private static String strip(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).trim();
    }

    /** Lower-cases a host name and drops a trailing dot; null when it cannot be a host name. */
    static String normalise(String host) {
        if (host == null) {
            return null;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("*.")) {
            h = h.substring(2); // "*.example.com" says what a name already means: itself and below
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty() || h.length() > MAX_NAME || h.startsWith(".") || h.contains("..")) {
            return null;
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                return null;
            }
        }
        return h;
    }

    /**
     * Tells whether a destination is allowed: its host name (or the name itself when it is an
     * address literal) or its server address is listed.
     */
    public boolean allows(String host, String serverIp) {
        if (names.isEmpty() && addresses.size() == 0) {
            return false;
        }
        if (host != null) {
            if (AddressSet.isLiteral(host)) {
                if (addresses.contains(host)) {
                    return true;
                }
            } else if (nameListed(host)) {
                return true;
            }
        }
        return serverIp != null && addresses.contains(serverIp);
    }

    private boolean nameListed(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (int dot = -1;;) {
            if (names.contains(h.substring(dot + 1))) {
                return true;
            }
            dot = h.indexOf('.', dot + 1);
            if (dot < 0) {
                return false;
            }
        }
    }

    /** Returns the number of entries. */
    public int size() {
        return names.size() + addresses.size();
    }
}
