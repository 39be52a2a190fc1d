package io.spanwatch.analyzer.scan;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Maps a ClamAV signature name to a Suricata-style alert severity (1 highest, 3 lowest) by its family.
 *
 * <p>ClamAV names signatures {@code Platform.Category.Name-SignatureId-Revision} (e.g.
 * {@code Win.Trojan.Agent-1234-0}, {@code Doc.Exploit.CVE_2017_0199-1}, {@code Win.Test.EICAR_HDB-1});
 * PUA signatures start with {@code PUA.}, heuristic findings with {@code Heuristics.}, YARA rules are
 * reported as {@code YARA.<rule>}, and signatures outside the official databases carry the suffix
 * {@code .UNOFFICIAL}. The family is read from those dot-separated tokens, and words inside a token
 * (split at {@code -} and {@code _}) are compared whole, never as substrings: {@code Win.Trojan.Contest-1}
 * is a trojan, not a test file, and {@code Unix.Malware.Testbot-2} is no test either.
 *
 * <ul>
 *   <li>3: test files (category {@code Test}, or {@code EICAR} as a word of the name: the EICAR file's
 *       many names, e.g. {@code Eicar-Signature}, {@code YARA.Own_EICAR_Yara}), {@code PUA.*},
 *       {@code Heuristics.*}; an older name without the three-part form is a test file when one of its
 *       words is {@code Test}</li>
 *   <li>1: categories that mean a compromise: {@value #HIGH_LIST}</li>
 *   <li>2: everything else (Malware, Phishing, Macro, Packed, unknown YARA rules...)</li>
 * </ul>
 */
final class SignatureSeverity {
    static final String HIGH_LIST = "Trojan, Ransomware, Backdoor, Exploit, Rootkit, Worm, Virus, Dropper, Downloader, Keylogger, Infostealer";
    private static final Set<String> HIGH = Set.of(HIGH_LIST.toLowerCase(Locale.ROOT).split(", "));
    private static final Pattern WORD = Pattern.compile("[-_]+");

    private SignatureSeverity() {
    }

    /** Returns the severity of a signature name as clamd reported it. */
    static int of(String signature) {
        String s = signature.strip().toLowerCase(Locale.ROOT);
        if (s.endsWith(".unofficial")) {
            s = s.substring(0, s.length() - ".unofficial".length());
        }
        String[] tokens = s.split("\\.");
        if (tokens[0].equals("pua") || tokens[0].equals("heuristics")) {
            return 3;
        }
        boolean structured = tokens.length >= 3 && !tokens[0].equals("yara");
        for (String t : tokens) {
            for (String w : WORD.split(t)) {
                if (w.equals("eicar") || (!structured && w.equals("test"))) {
                    return 3;
                }
            }
        }
        if (structured) {
            String category = tokens[1];
            if (category.equals("test")) {
                return 3;
            }
            if (HIGH.contains(category)) {
                return 1;
            }
        }
        return 2;
    }
}
