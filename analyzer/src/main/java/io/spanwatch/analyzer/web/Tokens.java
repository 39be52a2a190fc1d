package io.spanwatch.analyzer.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keeps the console's API tokens in {@code DIR/console/tokens} (mode 0600), one per line:
 * {@code name<TAB>role<TAB>sha256-of-token<TAB>created}. Only the SHA-256 of a token is stored: a
 * token is 32 random bytes ({@code swt_} and 43 base64url characters), so a fast hash is enough,
 * unlike a password. The token itself is shown once, when it is made ({@link #create}).
 *
 * <p>The console re-reads the file when it changes ({@link #reloadIfChanged}), so a token revoked
 * from the command line stops working, with its sessions, within a second.
 *
 * <p>Thread-safe.
 */
public final class Tokens {
    /** What a token may be named. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final String PREFIX = "swt_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One token as the file holds it. */
    public record Entry(String name, Role role, String sha256, Instant created) {
    }

    private final Path file;
    private volatile Map<String, Entry> byName = Map.of();
    private volatile FileTime loaded;

    private Tokens(Path file) {
        this.file = file;
    }

    /** Reads the tokens file ({@code dataDir/console/tokens}); none yet is an empty set. */
    public static Tokens open(Path file) throws IOException {
        Tokens t = new Tokens(file);
        t.load();
        return t;
    }

    private synchronized void load() throws IOException {
        Map<String, Entry> m = new LinkedHashMap<>();
        FileTime stamp;
        try {
            stamp = Files.getLastModifiedTime(file);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                if (f.length < 4 || !NAME.matcher(f[0]).matches() || !f[2].matches("[0-9a-f]{64}")) {
                    throw new IOException(file + ":" + (i + 1) + ": not a token line (name, role, sha256, created)");
                }
                m.put(f[0], new Entry(f[0], Role.parse(f[1]), f[2], Instant.parse(f[3])));
            }
        } catch (NoSuchFileException e) {
            stamp = null;
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        byName = Map.copyOf(m);
        loaded = stamp;
    }

    /** Re-reads the file if it changed since it was read; a file that became unreadable keeps the old set. */
    public void reloadIfChanged() {
        try {
            FileTime now = Files.exists(file) ? Files.getLastModifiedTime(file) : null;
            if (now == null ? loaded != null : !now.equals(loaded)) {
                load();
            }
        } catch (IOException e) {
            // keep what we had; the next check tries again
        }
    }

    /** Returns the token that {@code presented} is, or null. Compares hashes in constant time. */
    public Entry verify(String presented) {
        if (presented == null || !presented.startsWith(PREFIX) || presented.length() > 100) {
            return null;
        }
        byte[] h = sha256(presented);
        Entry found = null;
        for (Entry e : byName.values()) {
            if (MessageDigest.isEqual(h, HexFormat.of().parseHex(e.sha256()))) {
                found = e;
            }
        }
        return found;
    }

    /**
     * Returns the token named {@code name} if it is still the one whose SHA-256 is {@code sha256}, else
     * null: a session ends with the token it logged in with, revoked or replaced by one of the same name.
     */
    public Entry current(String name, String sha256) {
        Entry e = name == null ? null : byName.get(name);
        return e != null && sha256 != null && MessageDigest.isEqual(e.sha256().getBytes(StandardCharsets.US_ASCII),
                sha256.getBytes(StandardCharsets.US_ASCII)) ? e : null;
    }

    public List<Entry> list() {
        return new ArrayList<>(byName.values());
    }

    /**
     * Makes a new token, adds it to the file and returns it (the only time it is seen).
     *
     * @throws IllegalArgumentException when the name is not allowed or already taken
     */
    public synchronized String create(String name, Role role) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("token name must be 1-64 letters, digits, . _ @ -: " + name);
        }
        load();
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("a token named " + name + " exists; revoke it first");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Map<String, Entry> m = new LinkedHashMap<>(byName);
        m.put(name, new Entry(name, role, HexFormat.of().formatHex(sha256(token)), Instant.now()));
        write(m);
        return token;
    }

    /** Removes the token {@code name}; returns whether there was one. */
    public synchronized boolean revoke(String name) throws IOException {
        load();
        if (!byName.containsKey(name)) {
            return false;
        }
        Map<String, Entry> m = new LinkedHashMap<>(byName);
        m.remove(name);
        write(m);
        return true;
    }

    private void write(Map<String, Entry> m) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder("# SpanWatch console tokens: name, role, sha256 of the token, created. Made by spanwatch token.\n");
        for (Entry e : m.values()) {
            sb.append(e.name()).append('\t').append(e.role().label()).append('\t').append(e.sha256()).append('\t')
                    .append(e.created()).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        load();
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
