package io.spanwatch.analyzer.scan;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Matches file hashes against ClamAV hash databases: the built-in matcher (engine
 * {@code builtin-hash}) that gives interim verdicts while no clamd is reachable.
 *
 * <p>{@link #load(Path)} reads, from one directory (not its subdirectories), the files ClamAV reads
 * for whole-file hashes:
 * <ul>
 *   <li>{@code *.hdb}: {@code MD5:FileSize:Name[:MinFL[:MaxFL]]};
 *   <li>{@code *.hsb}: {@code Hash:FileSize:Name[:MinFL[:MaxFL]]}, SHA-1 (40 hex digits) or SHA-256
 *       (64) by length;
 *   <li>in both, FileSize {@code *} matches any size and, as in ClamAV, needs MinFL 73 or more;
 *   <li>{@code *.fp} (the {@code .hdb} format) and {@code *.sfp} (the {@code .hsb} format): allowlists;
 *       a file matching one of them is clean whatever else matches;
 *   <li>{@code *.ign2}: signature names never to report, one a line; the older {@code Name:MD5} form
 *       is read too and its MD5 part ignored. A trailing {@code .UNOFFICIAL} is dropped, so names may
 *       be copied from clamd's verdicts.
 * </ul>
 * Lines starting with {@code #} and blank lines are skipped. A malformed line is skipped and named,
 * with its file and line number, in {@link #warnings()}; loading never fails because of content.
 * Body signatures ({@code .ndb}, {@code .ldb}), YARA rules, PE section hashes ({@code .mdb},
 * {@code .msb}) and signed containers ({@code .cvd}, {@code .cld}) are left to clamd.
 *
 * <p>Names are returned as written in the database, without the {@code .UNOFFICIAL} suffix that
 * clamd adds to signatures from unsigned files.
 *
 * <p>Limits: at most {@link #DEFAULT_MAX_ENTRIES} entries in all (signatures, allowlist entries and
 * ignored names); past it the rest is skipped with a warning.
 *
 * <p>Immutable and thread-safe once loaded.
 */
public final class HashSignatures {
    /** Entries loaded at most, over all files of the directory. */
    public static final int DEFAULT_MAX_ENTRIES = 2_000_000;

    private static final long ANY_SIZE = -1;
    /** The lowest functionality level at which ClamAV accepts a hash signature of any size. */
    private static final int MIN_FLEVEL_ANY_SIZE = 73;
    private static final String UNOFFICIAL = ".UNOFFICIAL";

    /** One database line: the size it needs ({@link #ANY_SIZE} for any) and the name it reports. */
    private record Entry(long size, String name) {
        boolean matches(long fileSize) {
            return size == ANY_SIZE || size == fileSize;
        }
    }

    private final Map<String, List<Entry>> md5;
    private final Map<String, List<Entry>> sha1;
    private final Map<String, List<Entry>> sha256;
    private final Map<String, List<Entry>> allowMd5;
    private final Map<String, List<Entry>> allowSha;
    private final Set<String> ignored;
    private final int signatures;
    private final List<String> warnings;

    private HashSignatures(Loader l) {
        this.md5 = freeze(l.md5);
        this.sha1 = freeze(l.sha1);
        this.sha256 = freeze(l.sha256);
        this.allowMd5 = freeze(l.allowMd5);
        this.allowSha = freeze(l.allowSha);
        this.ignored = Set.copyOf(l.ignored);
        this.signatures = l.signatures;
        this.warnings = List.copyOf(l.warnings);
    }

    /** Returns a matcher that knows no signature. */
    public static HashSignatures empty() {
        return new HashSignatures(new Loader(DEFAULT_MAX_ENTRIES));
    }

    /**
     * Loads every hash database and allowlist in {@code dir}, in file-name order.
     *
     * @throws IOException if the directory cannot be listed; a file that cannot be read is a warning
     */
    public static HashSignatures load(Path dir) throws IOException {
        return load(dir, DEFAULT_MAX_ENTRIES);
    }

    /** Loads like {@link #load(Path)} with another limit on the number of entries. */
    public static HashSignatures load(Path dir, int maxEntries) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && Kind.of(p) != null) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        Loader loader = new Loader(maxEntries);
        for (Path p : files) {
            loader.readFile(p, Kind.of(p));
        }
        return new HashSignatures(loader);
    }

    /**
     * Returns the name of the first signature that matches a file, or empty when none does, the
     * file is on an allowlist, or every matching name is ignored. MD5 signatures are tried first,
     * then SHA-1, then SHA-256. Any hash may be null (not known); hex digits in either case.
     */
    public Optional<String> match(String md5Hex, String sha1Hex, String sha256Hex, long size) {
        String m = normalize(md5Hex);
        String s1 = normalize(sha1Hex);
        String s256 = normalize(sha256Hex);
        if (matchesAny(allowMd5, m, size) || matchesAny(allowSha, s1, size)
                || matchesAny(allowSha, s256, size)) {
            return Optional.empty();
        }
        String name = first(md5, m, size);
        if (name == null) {
            name = first(sha1, s1, size);
        }
        if (name == null) {
            name = first(sha256, s256, size);
        }
        return Optional.ofNullable(name);
    }

    /** Returns the number of signatures loaded (allowlist entries and ignored names not counted). */
    public int size() {
        return signatures;
    }

    /** Returns one line per malformed or unreadable input, {@code file:line: problem}. */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        return "HashSignatures[" + signatures + " signatures, " + warnings.size() + " warnings]";
    }

    private String first(Map<String, List<Entry>> map, String hash, long size) {
        if (hash == null) {
            return null;
        }
        for (Entry e : map.getOrDefault(hash, List.of())) {
            if (e.matches(size) && !ignored.contains(e.name())) {
                return e.name();
            }
        }
        return null;
    }

    private static boolean matchesAny(Map<String, List<Entry>> map, String hash, long size) {
        if (hash == null) {
            return false;
        }
        for (Entry e : map.getOrDefault(hash, List.of())) {
            if (e.matches(size)) {
                return true;
            }
        }
        return false;
    }

    private static String normalize(String hex) {
        return hex == null || hex.isEmpty() ? null : hex.toLowerCase(Locale.ROOT);
    }

    private static Map<String, List<Entry>> freeze(Map<String, List<Entry>> m) {
        Map<String, List<Entry>> out = new HashMap<>(m.size() * 4 / 3 + 1);
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Map.copyOf(out);
    }

    /** The database files this class reads, by extension. */
    private enum Kind {
        HDB, HSB, FP, SFP, IGN2;

        static Kind of(Path p) {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".hdb")) {
                return HDB;
            } else if (n.endsWith(".hsb")) {
                return HSB;
            } else if (n.endsWith(".sfp")) {
                return SFP;
            } else if (n.endsWith(".fp")) {
                return FP;
            } else if (n.endsWith(".ign2")) {
                return IGN2;
            }
            return null;
        }
    }

    /** Collects entries and warnings while reading; used by one thread, then frozen. */
    private static final class Loader {
        final Map<String, List<Entry>> md5 = new HashMap<>();
        final Map<String, List<Entry>> sha1 = new HashMap<>();
        final Map<String, List<Entry>> sha256 = new HashMap<>();
        final Map<String, List<Entry>> allowMd5 = new HashMap<>();
        final Map<String, List<Entry>> allowSha = new HashMap<>();
        final Set<String> ignored = new HashSet<>();
        final List<String> warnings = new ArrayList<>();
        final int maxEntries;
        int entries;
        int signatures;
        boolean full;

        Loader(int maxEntries) {
            this.maxEntries = maxEntries;
        }

        void readFile(Path file, Kind kind) {
            String fileName = file.getFileName().toString();
            // ISO-8859-1 maps every byte, so a stray non-UTF-8 byte is a bad line, not an exception.
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
                String line;
                int lineNo = 0;
                while ((line = r.readLine()) != null) {
                    lineNo++;
                    String t = line.strip();
                    if (t.isEmpty() || t.startsWith("#")) {
                        continue;
                    }
                    if (entries >= maxEntries) {
                        if (!full) {
                            warnings.add(fileName + ":" + lineNo + ": limit of " + maxEntries
                                    + " entries reached; the rest of the databases is ignored");
                            full = true;
                        }
                        return;
                    }
                    String problem = kind == Kind.IGN2 ? readIgnore(t) : readHash(t, kind);
                    if (problem != null) {
                        warnings.add(fileName + ":" + lineNo + ": " + problem);
                    } else {
                        entries++;
                    }
                }
            } catch (IOException e) {
                warnings.add(fileName + ": cannot read: " + e);
            }
        }

        private String readIgnore(String line) {
            int colon = line.indexOf(':');
            String name = colon < 0 ? line : line.substring(0, colon);
            if (name.endsWith(UNOFFICIAL)) {
                name = name.substring(0, name.length() - UNOFFICIAL.length());
            }
            if (name.isEmpty()) {
                return "empty signature name";
            }
            ignored.add(name);
            return null;
        }

        /** Adds one hash line; returns what is wrong with it, or null. */
        private String readHash(String line, Kind kind) {
            String[] f = line.split(":", -1);
            if (f.length < 3 || f.length > 5) {
                return "expected Hash:FileSize:Name[:MinFL[:MaxFL]], got " + f.length + " fields";
            }
            String hash = f[0].toLowerCase(Locale.ROOT);
            if (!isHex(hash)) {
                return "hash is not hexadecimal: " + f[0];
            }
            boolean md5Kind = kind == Kind.HDB || kind == Kind.FP;
            if (md5Kind ? hash.length() != 32 : hash.length() != 40 && hash.length() != 64) {
                return (md5Kind ? "MD5 needs 32 hex digits" : "SHA-1 needs 40 hex digits, SHA-256 64")
                        + ", got " + hash.length();
            }
            int minFlevel = 0;
            for (int i = 3; i < f.length; i++) {
                if (!isDigits(f[i])) {
                    return "functionality level is not a number: " + f[i];
                }
                if (i == 3) {
                    minFlevel = parseIntCapped(f[i]);
                }
            }
            long size;
            if (f[1].equals("*")) {
                if (minFlevel < MIN_FLEVEL_ANY_SIZE) {
                    return "size * needs MinFL " + MIN_FLEVEL_ANY_SIZE + " or more (ClamAV rejects it otherwise)";
                }
                size = ANY_SIZE;
            } else if (isDigits(f[1]) && f[1].length() <= 18) {
                size = Long.parseLong(f[1]);
            } else {
                return "file size is not a number or *: " + f[1];
            }
            String name = f[2].strip();
            if (name.isEmpty()) {
                return "empty signature name";
            }
            Map<String, List<Entry>> target = switch (kind) {
                case HDB -> md5;
                case HSB -> hash.length() == 40 ? sha1 : sha256;
                case FP -> allowMd5;
                case SFP -> allowSha;
                case IGN2 -> throw new IllegalStateException("ign2 has no hashes");
            };
            target.computeIfAbsent(hash, k -> new ArrayList<>(1)).add(new Entry(size, name));
            if (kind == Kind.HDB || kind == Kind.HSB) {
                signatures++;
            }
            return null;
        }

        private static boolean isHex(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return !s.isEmpty();
        }

        private static boolean isDigits(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
            return !s.isEmpty();
        }

        private static int parseIntCapped(String digits) {
            return digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
        }
    }
}
