package io.spanwatch.analyzer.correlate;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.compiler.client.util.EPCompiledIOUtil;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Keeps what compiling the rules costs across runs, under {@code $XDG_CACHE_HOME/spanwatch/epl-VERSION}
 * (else {@code ~/.cache/...}): each statement compiled, by a hash of its text and of everything
 * deployed before it ({@code KEY.jar}), and each rules file split into statements, by a hash of its
 * text ({@code KEY.statements}), so a run whose rules did not change needs neither Esper's compiler
 * nor its parser (about half a second of CPU per statement, and the parser's start-up). Written
 * atomically (a temporary file, then a rename); an entry that cannot be read is removed and made
 * again. Without a usable folder nothing is cached. Thread-safe: no state but the folder.
 */
final class RuleCache {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RuleCache.class);
    /** The most statements a cached file split may hold (a guard against a damaged entry). */
    private static final int MAX_STATEMENTS = 100_000;

    /** One statement of a rules file: the line it starts on and its text. */
    record Statement(int line, String epl) {
    }

    private final Path dir;

    private RuleCache(Path dir) {
        this.dir = dir;
    }

    /** Opens the cache of this user and Esper version (not created until something is stored). */
    static RuleCache open() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home != null ? Path.of(home, ".cache") : null;
        return new RuleCache(base == null ? null : base.resolve("spanwatch")
                .resolve("epl-" + com.espertech.esper.runtime.client.util.RuntimeVersion.RUNTIME_VERSION));
    }

    /** Returns a short hex SHA-256 of a text: the cache key of what was made from it. */
    static String digest(String text) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the statement compiled under {@code key}, or null. */
    EPCompiled compiled(String key) {
        Path f = entry(key + ".jar");
        if (f == null || !Files.isRegularFile(f)) {
            return null;
        }
        try {
            return EPCompiledIOUtil.read(f.toFile());
        } catch (IOException | RuntimeException e) {
            forget(f);
            return null;
        }
    }

    /** Keeps a compiled statement under {@code key}. */
    void storeCompiled(String key, EPCompiled compiled) {
        write(key + ".jar", tmp -> EPCompiledIOUtil.write(compiled, tmp.toFile()));
    }

    /** Forgets the compiled statement under {@code key} (it could not be deployed). */
    void forgetCompiled(String key) {
        Path f = entry(key + ".jar");
        if (f != null) {
            forget(f);
        }
    }

    /** Returns the statements of a rules file's text as split before, or null. */
    List<Statement> statements(String text) {
        Path f = entry(digest("statements\n" + text) + ".statements");
        if (f == null || !Files.isRegularFile(f)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(f)))) {
            int n = in.readInt();
            if (n < 0 || n > MAX_STATEMENTS) {
                throw new IOException("bad count " + n);
            }
            List<Statement> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int line = in.readInt();
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                out.add(new Statement(line, new String(b, StandardCharsets.UTF_8)));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            forget(f);
            return null;
        }
    }

    /** Keeps the statements a rules file's text was split into. */
    void storeStatements(String text, List<Statement> statements) {
        write(digest("statements\n" + text) + ".statements", tmp -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(statements.size());
                for (Statement s : statements) {
                    byte[] b = s.epl().getBytes(StandardCharsets.UTF_8);
                    out.writeInt(s.line());
                    out.writeInt(b.length);
                    out.write(b);
                }
            }
            Files.write(tmp, bytes.toByteArray());
        });
    }

    private interface Writer {
        void write(Path tmp) throws IOException;
    }

    private Path entry(String name) {
        return dir == null ? null : dir.resolve(name);
    }

    private void write(String name, Writer writer) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, name, ".tmp");
            try {
                writer.write(tmp);
                Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot cache {} in {}: {}", name, dir, e.toString());
        }
    }

    private static void forget(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.debug("cannot remove the cache entry {}: {}", f, e.toString());
        }
    }
}
