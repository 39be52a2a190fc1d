package io.spanwatch.analyzer.web;

import java.util.Locale;

/** Names what a token may do: {@link #READ} searches and looks; {@link #ACT} also acknowledges, assigns, comments and scans. */
public enum Role {
    READ,
    ACT;

    /** Tells whether this role includes {@code needed}. */
    public boolean allows(Role needed) {
        return this == ACT || needed == READ;
    }

    /** Returns the lowercase name used in the tokens file and on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads {@code read} or {@code act}; throws {@link IllegalArgumentException} otherwise. */
    public static Role parse(String s) {
        return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
            case "read" -> READ;
            case "act" -> ACT;
            default -> throw new IllegalArgumentException("role must be read or act: " + s);
        };
    }
}
