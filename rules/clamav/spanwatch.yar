// SpanWatch's own YARA rules, loaded by ClamAV (reported as YARA.<rule>.UNOFFICIAL).
// ClamAV's YARA support: no imports or modules, no global rules, 1 to 64 strings of 2 bytes or more.

rule SpanWatch_Test_EICAR_Yara
{
    meta:
        description = "EICAR anti-virus test file marker string"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
    strings:
        $marker = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
    condition:
        $marker
}
