package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Severity by ClamAV signature family: whole name tokens, never substrings. */
class SignatureSeverityTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "Win.Test.EICAR_HDB-1, 3",
        "Eicar-Signature, 3",
        "Eicar-Test-Signature, 3",
        "SpanWatch.Test.EICAR-Body.UNOFFICIAL, 3",
        "YARA.SpanWatch_Test_EICAR_Yara.UNOFFICIAL, 3",
        "Clamav.Test.File-6, 3",
        "PUA.Win.Packer.Upx-1, 3",
        "Heuristics.Encrypted.PDF, 3",
        "Win.Trojan.Contest-9912-0, 1",
        "Unix.Malware.Testbot-2, 2",
        "Win.Malware.Contest-1, 2",
        "Contest, 2",
        "Doc.Exploit.CVE_2017_0199-1, 1",
        "Win.Ransomware.Locky-1, 1",
        "Multios.Backdoor.Msfvenom-1, 1",
        "Win.Trojanized.Thing-1, 2",
        "Html.Phishing.Bank-1, 2",
        "YARA.ransom_note_generic.UNOFFICIAL, 2",
    })
    void severityFollowsTheFamily(String signature, int severity) {
        assertEquals(severity, SignatureSeverity.of(signature));
    }
}
