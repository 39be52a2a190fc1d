package io.spanwatch.analyzer.index;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Reads IP address literals (never a name: nothing here resolves through DNS). */
public final class IpText {
    private IpText() {
    }

    /** Returns the address {@code s} spells (dotted IPv4 or IPv6, optionally in brackets), or null. */
    public static InetAddress parse(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return null;
        }
        String t = s;
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        boolean v6 = t.indexOf(':') >= 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.' || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!ok) {
                return null;
            }
        }
        if (!v6) {
            byte[] quad = dottedQuad(t);
            if (quad == null) {
                return null;
            }
            try {
                return InetAddress.getByAddress(quad);
            } catch (UnknownHostException e) {
                return null; // not reached: four bytes are an address
            }
        }
        try {
            return InetAddress.getByName(t); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Returns the four bytes of {@code a.b.c.d} (each 0-255 in decimal, no leading zero), or null. */
    private static byte[] dottedQuad(String t) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= t.length(); i++) {
            char c = i < t.length() ? t.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3 && (digits == 0 || value != 0)) { // no leading zero: 010 is ambiguous (octal)
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
