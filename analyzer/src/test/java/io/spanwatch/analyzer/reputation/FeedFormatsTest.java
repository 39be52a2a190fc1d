package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every feed format, recognised from content under a misleading name, with good lines (indicators
 * and what the feed says about them) and malformed ones (counted, named by line and reason, never
 * fatal).
 */
class FeedFormatsTest {
    @TempDir
    Path dir;

    static void hasProblem(FeedReport r, String linePrefix, String reasonPart) {
        assertTrue(r.problems().stream().anyMatch(p -> p.startsWith(linePrefix) && p.contains(reasonPart)),
                "expected '" + linePrefix + "... " + reasonPart + "' in " + r.problems());
    }

    @Test
    void sslBlacklistCertificatesAndJa3AreTlsFingerprintsOnly() throws Exception {
        Path certs = Feeds.write(dir, "certs.txt", """
                ################################################################
                # abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints) #
                ################################################################
                #
                # Listingdate,SHA1,Listingreason
                2024-03-10 07:44:46,9d63bb684acecf87159cc75bf00ca6d62a9aeef2,Cobalt Strike C&C
                2024-03-10 07:44:47,,AsyncRAT C&C
                2024-03-10 07:44:48,12345,Dridex C&C
                """);
        Path ja3 = Feeds.write(dir, "fingerprints.txt", """
                # ja3_md5,Firstseen,Lastseen,Listingreason
                e7d705a3286e19ea42f587b344ee6865,2017-07-14 18:08:15,2019-07-27 20:42:54,Tofsee
                """);
        Path misp = Feeds.write(dir, "misp.csv", """
                uuid,event_id,category,type,value,comment,to_ids,date
                5e1c0d3a-0001,7,Network activity,ja3-fingerprint-md5,51c64c77e60f3980eea90869b68c58a8,,1,1710000000
                5e1c0d3a-0002,7,Network activity,x509-fingerprint-sha1,AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD,,1,1710000000
                """);
        Path zeek = Feeds.write(dir, "zeek.intel", "#fields\tindicator\tindicator_type\tmeta.source\n"
                + "0123456789abcdef0123456789abcdef01234567\tIntel::CERT_HASH\tcert-feed\n");
        Path stix = Feeds.write(dir, "bundle.json", """
                {"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--1",
                "pattern":"[x509-certificate:hashes.'SHA-1' = 'fedcba9876543210fedcba9876543210fedcba98']","pattern_type":"stix"}]}
                """);
        IntelSnapshot s = Feeds.load(certs, ja3, misp, zeek, stix);
        FeedReport c = s.feeds().stream().filter(r -> r.name().equals("certs.txt")).findFirst().orElseThrow();
        assertEquals("sslbl-csv", c.format());
        assertEquals(1, c.indicators());
        assertEquals(2, c.malformed(), c.problems().toString());
        // Suricata prints a certificate's fingerprint with colons; the feed has none.
        List<IntelHit> h = s.matchTls("9d:63:bb:68:4a:ce:cf:87:15:9c:c7:5b:f0:0c:a6:d6:2a:9a:ee:f2", IndicatorType.X509_SHA1, "tls.fingerprint");
        assertEquals(1, h.size());
        assertEquals(IndicatorType.X509_SHA1, h.get(0).type());
        assertEquals("Cobalt Strike C&C", h.get(0).meta().malware());
        assertEquals("x509_sha1", h.get(0).type().eveName());
        assertTrue(s.matchHash("9d63bb684acecf87159cc75bf00ca6d62a9aeef2", "fileinfo.sha1").isEmpty(), "a certificate is not a file");
        assertEquals("sslbl-ja3-csv", s.feeds().stream().filter(r -> r.name().equals("fingerprints.txt")).findFirst().orElseThrow().format());
        assertEquals("Tofsee", s.matchTls("e7d705a3286e19ea42f587b344ee6865", IndicatorType.JA3, "tls.ja3.hash").get(0).meta().malware());
        assertTrue(s.matchHash("e7d705a3286e19ea42f587b344ee6865", "fileinfo.md5").isEmpty(), "a JA3 is not a file digest");
        assertTrue(s.matchTls("e7d705a3286e19ea42f587b344ee6865", IndicatorType.X509_SHA1, "tls.fingerprint").isEmpty());
        assertEquals(1, s.matchTls("51c64c77e60f3980eea90869b68c58a8", IndicatorType.JA3, "tls.ja3.hash").size(), "MISP ja3-fingerprint-md5");
        assertEquals(1, s.matchTls("aabbccddeeff00112233445566778899aabbccdd", IndicatorType.X509_SHA1, "tls.fingerprint").size(),
                "MISP x509-fingerprint-sha1, with colons and upper case");
        assertEquals(1, s.matchTls("0123456789abcdef0123456789abcdef01234567", IndicatorType.X509_SHA1, "tls.fingerprint").size(),
                "Zeek Intel::CERT_HASH");
        assertEquals(1, s.matchTls("fedcba9876543210fedcba9876543210fedcba98", IndicatorType.X509_SHA1, "tls.fingerprint").size(),
                "STIX x509-certificate:hashes.'SHA-1'");
    }

    @Test
    void urlhausCsv() throws Exception {
        Path f = Feeds.write(dir, "feed.txt", """
                ################################################################
                # abuse.ch URLhaus Database Dump (CSV - recent URLs)           #
                # Last updated: 2024-03-10 10:00:00 (UTC)                      #
                #                                                              #
                ################################################################
                #
                # id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
                "2834411","2024-03-10 09:51:07","http://evil.example/bins/mozi.m","online","2024-03-10 09:51:07","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/2834411/","lrz_urlhaus"
                "2834412","2024-03-10 09:51:07","http://198.51.100.7:8080/i","offline","","malware_download","None","https://urlhaus.abuse.ch/url/2834412/","anonymous"
                "2834413","2024-03-10 09:51:07","http:///nohost","online","","malware_download","exe","https://urlhaus.abuse.ch/url/2834413/","anonymous"
                "2834414","2024-03-10 09:51:07","http://broken.example/x
                """);
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("urlhaus-csv", r.format());
        assertEquals(2, r.indicators());
        assertEquals(2, r.malformed());
        hasProblem(r, "line 10:", "URL without a host");
        hasProblem(r, "line 11:", "unterminated quoted field");
        List<IntelHit> h = s.matchUrl("EVIL.example", -1, "/bins/mozi.m", "http.url");
        assertEquals(1, h.size());
        assertEquals("http://evil.example/bins/mozi.m", h.get(0).indicator());
        assertEquals(IndicatorType.URL, h.get(0).type());
        assertEquals("feed.txt", h.get(0).feed());
        assertEquals("malware_download", h.get(0).meta().threat());
        assertEquals("32-bit,elf,mips,Mozi", h.get(0).meta().tags());
        assertEquals(1, s.matchUrl("198.51.100.7", 8080, "/i", "http.url").size());
        assertTrue(s.matchUrl("198.51.100.7", -1, "/i", "http.url").isEmpty(), "another port is another URL");
    }

    @Test
    void feodoCsvWithCommentedOrPlainHeader() throws Exception {
        String rows = """
                "2021-01-17 07:44:46","51.178.161.32","4643","online","2021-08-18","Dridex"
                "2021-01-17 07:44:46","51.178.161.300","4643","online","2021-08-18","Dridex"
                # END (2 entries)
                """;
        Path plain = Feeds.write(dir, "a.csv", """
                ################################################################
                # abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
                ################################################################
                "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
                """ + rows);
        Path commented = Feeds.write(dir, "b.csv", "# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n" + rows);
        Path old = Feeds.write(dir, "c.csv", "# Firstseen,DstIP,DstPort,LastOnline,Malware\n2019-05-27 13:36:27,203.0.113.9,447,2019-06-01,TrickBot\n");
        for (Path f : List.of(plain, commented)) {
            IntelSnapshot s = Feeds.load(f);
            FeedReport r = Feeds.only(s);
            assertEquals("feodo-csv", r.format());
            assertEquals(1, r.indicators());
            assertEquals(1, r.malformed());
            hasProblem(r, "line", "not an IP address: 51.178.161.300");
            IntelHit h = s.matchIp("51.178.161.32", "dest_ip").get(0);
            assertEquals("Dridex", h.meta().malware());
            assertEquals("botnet_cc", h.meta().threat());
            assertEquals(IndicatorType.IP, h.type());
            assertEquals("dest_ip", h.field());
        }
        IntelSnapshot s = Feeds.load(old);
        assertEquals("feodo-csv", Feeds.only(s).format());
        assertEquals("TrickBot", s.matchIp("203.0.113.9", "src_ip").get(0).meta().malware());
    }

    @Test
    void threatfoxCsv() throws Exception {
        Path f = Feeds.write(dir, "recent.csv", """
                ################################################################
                # ThreatFox IOCs: recent additions - CSV format                #
                ################################################################
                #
                # "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"
                "2026-07-04 22:19:04", "1844855", "dazayse.hi-lo.example", "domain", "payload_delivery", "js.clearfake", "None", "ClearFake", "", "100", "False", "None", "ClearFake,windows", "1", "anonymous"\r
                "2026-07-04 21:46:30", "1844853", "64.227.143.36:5555", "ip:port", "botnet_cc", "win.cobalt_strike", "Agentemis,BEACON", "Cobalt Strike", "2026-07-04 22:46:23", "75", "False", "None", "CobaltStrike", "0", "abuse_ch"\r
                "2026-07-04 21:46:31", "1844854", "[2001:db8::7]:443", "ip:port", "botnet_cc", "win.x", "None", "X", "", "50", "False", "None", "c2", "0", "r"\r
                "2026-07-04 21:46:32", "1844856", "https://pay.example/Path", "url", "payload_delivery", "unknown", "None", "Unknown malware", "", "90", "False", "None", "x", "0", "r"\r
                "2026-07-04 21:46:33", "1844857", "44d88612fea8a8f36de82e1278abb02f", "md5_hash", "payload", "win.y", "None", "Y", "", "80", "False", "None", "y", "0", "r"\r
                "2026-07-04 21:46:34", "1844858", "b7689b12e1b94e628c8398ec86a6ad5ba564f107c5085464f3d03f408959545b", "sha3_384_hash", "payload", "win.y", "None", "Y", "", "80", "False", "None", "y", "0", "r"\r
                "2026-07-04 21:46:35", "1844859", "44d88612fea8a8f36de82e1278abb02", "md5_hash", "payload", "win.y", "None", "Y", "", "80", "False", "None", "y", "0", "r"\r
                # Number of entries: 7
                """);
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("threatfox-csv", r.format());
        assertEquals(5, r.indicators());
        assertEquals(1, r.unsupported());
        assertEquals(1, r.malformed());
        hasProblem(r, "line 11:", "unsupported: ioc_type sha3_384_hash");
        hasProblem(r, "line 12:", "not an md5");
        IntelHit d = s.matchHost("cdn.dazayse.hi-lo.example", "http.hostname").get(0);
        assertEquals("dazayse.hi-lo.example", d.indicator());
        assertEquals("ClearFake", d.meta().malware());
        assertEquals(100, d.meta().confidence());
        assertEquals("payload_delivery", d.meta().threat());
        IntelHit ip = s.matchIp("64.227.143.36", "dest_ip").get(0);
        assertEquals("64.227.143.36", ip.indicator(), "the address of ip:port, as the feed wrote it");
        assertEquals(75, ip.meta().confidence());
        assertEquals(1, s.matchIp("2001:db8::7", "dest_ip").size());
        assertEquals("unknown", s.matchUrl("https://pay.example/Path", "http.url").get(0).meta().malware());
        assertEquals(IndicatorType.MD5, s.matchHash("44D88612FEA8A8F36DE82E1278ABB02F", "fileinfo.md5").get(0).type());
    }

    @Test
    void malwareBazaarCsvAndHashList() throws Exception {
        Path csv = Feeds.write(dir, "recent", """
                ################################################################
                # MalwareBazaar recent malware samples (CSV)                   #
                ################################################################
                # "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature","clamav","vtpercent","imphash","ssdeep","tlsh"
                "2026-10-05 00:42:15", "b7689b12e1b94e628c8398ec86a6ad5ba564f107c5085464f3d03f408959545b", "46de5ad3d0bb0dbef3ee3b1e8b0f0d44", "cde1a5f7a9bbd8d3d2a1e0f0d0c0b0a090807060", "abuse_ch", "i686", "elf", "application/x-executable", "Mirai", "n/a", "n/a", "n/a", "384:x", "T1"
                "2026-10-05 00:38:02", "zz7b4210db5c2610daedc2831915af6c4e9f7966739ff789a0af2a18bb5dca66", "1486", "fa67", "abuse_ch", "kushnet", "elf", "application/x-executable", "n/a", "n/a", "n/a", "n/a", "384:x", "T1"
                """);
        IntelSnapshot s = Feeds.load(csv);
        FeedReport r = Feeds.only(s);
        assertEquals("malwarebazaar-csv", r.format());
        assertEquals(1, r.indicators());
        assertEquals(1, r.malformed());
        IntelHit h = s.matchHash("b7689b12e1b94e628c8398ec86a6ad5ba564f107c5085464f3d03f408959545b", "fileinfo.sha256").get(0);
        assertEquals("Mirai", h.meta().malware());
        assertEquals(IndicatorType.SHA256, h.type());

        Path list = Feeds.write(dir, "full_sha1.csv", """
                ################################################################
                # abuse.ch MalwareBazaar full malware samples dump (SHA1 hashes)
                ################################################################
                #
                # sha1_hash
                3395856ce81f2b7382dee72602f798b642f14140
                3395856ce81f2b7382dee72602f798b642f1414
                """);
        s = Feeds.load(list);
        r = Feeds.only(s);
        assertEquals("plain", r.format());
        assertEquals(1, r.indicators());
        hasProblem(r, "line 7:", "not an IP, CIDR, domain, URL or hash");
        assertEquals(IndicatorType.SHA1, s.matchHash("3395856CE81F2B7382DEE72602F798B642F14140", "fileinfo.sha1").get(0).type());
    }

    @Test
    void spamhausDropTextAndJson() throws Exception {
        Path txt = Feeds.write(dir, "list.json", """
                ; Spamhaus EDROP List 2024/03/10 - (c) 2024 The Spamhaus Project SLT
                ; https://www.spamhaus.org/drop/edrop.txt
                1.10.16.0/20 ; SBL256894
                2001:db8:100::/40 ; SBL600111
                1.10.300.0/24 ; SBL1
                203.0.113.0/33 ; SBL2
                """);
        IntelSnapshot s = Feeds.load(txt);
        FeedReport r = Feeds.only(s);
        assertEquals("spamhaus-drop", r.format());
        assertEquals(2, r.indicators());
        assertEquals(2, r.malformed());
        hasProblem(r, "line 6:", "prefix length /33 longer than 32 bits");
        IntelHit h = s.matchIp("1.10.31.255", "dest_ip").get(0);
        assertEquals("1.10.16.0/20", h.indicator());
        assertEquals(IndicatorType.CIDR, h.type());
        assertEquals("SBL256894", h.meta().description());
        assertTrue(s.matchIp("1.10.32.0", "dest_ip").isEmpty());
        assertTrue(s.matchIp("1.10.15.255", "dest_ip").isEmpty());
        assertEquals(1, s.matchIp("2001:db8:1ff:ffff::1", "dest_ip").size());

        Path json = Feeds.write(dir, "drop.txt", """
                {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
                {"cidr":"2001:db8:100::/40","sblid":"SBL600111","rir":"ripencc"}
                {"asn":64496,"rir":"arin","domain":"x.example","cc":"US","asname":"X"}
                {"cidr":"1.2.3/24"}
                not json
                {"type":"metadata","timestamp":1710064800,"size":2,"records":2,"copyright":"(c) 2024 The Spamhaus Project SLT"}
                """);
        s = Feeds.load(json);
        r = Feeds.only(s);
        assertEquals("spamhaus-drop-json", r.format());
        assertEquals(2, r.indicators());
        assertEquals(1, r.unsupported());
        assertEquals(2, r.malformed());
        hasProblem(r, "line 5:", "not a JSON object");
    }

    @Test
    void zeekIntel() throws Exception {
        Path f = Feeds.write(dir, "intel.csv", "#separator \\x09\n"
                + "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n"
                + "198.51.100.7\tIntel::ADDR\tsource1\tSending phishing email\thttp://source1.example/badhosts/1\n"
                + "198.51.100.0/24\tIntel::SUBNET\tsource1\t-\t-\n"
                + "evil.example/a/b.exe\tIntel::URL\tsource1\tpayload\t-\n"
                + "Bad.Example.\tIntel::DOMAIN\tsource2\tC2\t-\n"
                + "44d88612fea8a8f36de82e1278abb02f\tIntel::FILE_HASH\tsource2\teicar\t-\n"
                + "bob@evil.example\tIntel::EMAIL\tsource2\tphish\t-\n"
                + "198.51.100.9 Intel::ADDR source3 spaces\n"
                + "nodot\tIntel::DOMAIN\tsource2\tx\t-\n");
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("zeek-intel", r.format());
        assertEquals(5, r.indicators());
        assertEquals(1, r.unsupported());
        assertEquals(2, r.malformed());
        hasProblem(r, "line 9:", "fields must be separated by tabs");
        hasProblem(r, "line 10:", "single-label");
        List<IntelHit> ip = s.matchIp("198.51.100.7", "dest_ip");
        assertEquals(2, ip.size(), "the address and its subnet");
        assertEquals("Sending phishing email", ip.stream().filter(h -> h.type() == IndicatorType.IP).findFirst().orElseThrow()
                .meta().description());
        assertEquals("source1", ip.get(0).meta().source());
        assertEquals(1, s.matchUrl("evil.example", -1, "/a/b.exe", "http.url").size(), "Zeek URLs have no scheme");
        assertEquals(1, s.matchUrl("https://evil.example:80/a/./b.exe", "http.url").size());
        IntelHit d = s.matchHost("c2.bad.example", "http.hostname").get(0);
        assertEquals("Bad.Example.", d.indicator(), "as the feed wrote it");
        assertEquals(1, s.matchHash("44d88612fea8a8f36de82e1278abb02f", "fileinfo.md5").size());
    }

    @Test
    void mispCsvExport() throws Exception {
        Path f = Feeds.write(dir, "export.txt", """
                uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category
                "5c8f5d1e-0000-4000-8000-000000000001",12,"Network activity","ip-dst","203.0.113.50","C2 server",1,1552307742,"","tlp:green","","",""
                "5c8f5d1e-0000-4000-8000-000000000002",12,"Network activity","domain|ip","c2.evil.example|203.0.113.51","",1,1552307742,"","","","",""
                "5c8f5d1e-0000-4000-8000-000000000003",12,"Payload delivery","filename|sha256","drop.exe|275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f","multi
                line comment, with a comma",1,1552307742,"","","","",""
                "5c8f5d1e-0000-4000-8000-000000000004",12,"Network activity","ip-dst","203.0.113.52","context only",0,1552307742,"","","","",""
                "5c8f5d1e-0000-4000-8000-000000000005",12,"Payload delivery","email-src","bob@evil.example","",1,1552307742,"","","","",""
                "5c8f5d1e-0000-4000-8000-000000000006",12,"Network activity","url","hxxp://evil[.]example/gate.php","",True,1552307742,"","","","",""
                "5c8f5d1e-0000-4000-8000-000000000007",12,"Network activity","ip-dst|port","203.0.113.999|443","",1,1552307742,"","","","",""
                """);
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("misp-csv", r.format());
        assertEquals(5, r.indicators());
        assertEquals(2, r.unsupported());
        assertEquals(1, r.malformed());
        hasProblem(r, "line 9:", "not an IP address");
        IntelHit ip = s.matchIp("203.0.113.50", "dest_ip").get(0);
        assertEquals("Network activity", ip.meta().threat());
        assertEquals("C2 server", ip.meta().description());
        assertEquals("tlp:green", ip.meta().tags());
        assertEquals(1, s.matchHost("c2.evil.example", "http.hostname").size());
        assertEquals(1, s.matchIp("203.0.113.51", "dest_ip").size());
        assertEquals("multi\nline comment, with a comma",
                s.matchHash("275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "fileinfo.sha256").get(0).meta().description());
        assertTrue(s.matchIp("203.0.113.52", "dest_ip").isEmpty(), "to_ids 0 is context, not detection");
        IntelHit u = s.matchUrl("evil.example", -1, "/gate.php", "http.url").get(0);
        assertEquals("hxxp://evil[.]example/gate.php", u.indicator(), "defanged as the feed wrote it");
    }

    @Test
    void stixBundle() throws Exception {
        Path f = Feeds.write(dir, "iocs.csv", """
                {"type": "bundle", "id": "bundle--1", "objects": [
                 {"type": "identity", "spec_version": "2.1", "id": "identity--1", "name": "ISAC"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "name": "C2 domain", "indicator_types": ["malicious-activity"],
                  "pattern": "[domain-name:value = 'login.office-sso-auth.example']", "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z",
                  "confidence": 85, "labels": ["apt"]},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--2",
                  "pattern": "[ipv4-addr:value = '198.51.100.7' OR ipv6-addr:value = '2001:db8::1'] OR [file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']",
                  "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--3",
                  "pattern": "[ipv4-addr:value ISSUBSET '203.0.113.0/24']", "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--4",
                  "pattern": "[network-traffic:dst_ref.value = '203.0.114.1' AND network-traffic:dst_port = 443]", "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--5",
                  "pattern": "rule x { condition: true }", "pattern_type": "yara", "valid_from": "2024-03-10T00:00:00Z"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--6",
                  "pattern": "[url:value = 'http://evil.example/a.exe'", "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--7", "revoked": true,
                  "pattern": "[domain-name:value = 'revoked.example']", "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z"},
                 {"type": "indicator", "spec_version": "2.1", "id": "indicator--8",
                  "pattern": "[email-addr:value = 'bob@evil.example']", "pattern_type": "stix", "valid_from": "2024-03-10T00:00:00Z"}
                ]}
                """);
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("stix2", r.format());
        assertEquals(5, r.indicators());
        assertEquals(4, r.unsupported(), r.problems().toString());
        assertEquals(1, r.malformed());
        hasProblem(r, "line 11:", "unsupported: pattern with AND");
        hasProblem(r, "line 15:", "pattern ends early");
        IntelHit d = s.matchHost("login.office-sso-auth.example", "http.hostname").get(0);
        assertEquals("login.office-sso-auth.example", d.indicator());
        assertEquals("C2 domain", d.meta().description());
        assertEquals("malicious-activity", d.meta().threat());
        assertEquals(85, d.meta().confidence());
        assertEquals("apt", d.meta().tags());
        assertEquals(1, s.matchIp("198.51.100.7", "dest_ip").size());
        assertEquals(1, s.matchIp("2001:DB8:0::1", "dest_ip").size());
        assertEquals("203.0.113.0/24", s.matchIp("203.0.113.200", "dest_ip").get(0).indicator());
        assertEquals(1, s.matchHash("275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F", "fileinfo.sha256").size());
        assertTrue(s.matchHost("revoked.example", "http.hostname").isEmpty());
        assertTrue(s.matchIp("203.0.114.1", "dest_ip").isEmpty(), "a part of an AND never alerts alone");
    }

    @Test
    void stixSyntaxErrorKeepsWhatCameBefore() throws Exception {
        Path f = Feeds.write(dir, "b.json", """
                {"type": "bundle", "objects": [
                 {"type": "indicator", "pattern": "[domain-name:value = 'one.example']", "pattern_type": "stix"},
                 {"type": "indicator", "pattern": "[domain-name:value = 'two.example']", "pattern_type": "stix"
                 {"type": "indicator", "pattern": "[domain-name:value = 'three.example']", "pattern_type": "stix"}
                ]}
                """);
        FeedReport r = Feeds.only(Feeds.load(f));
        assertEquals(1, r.indicators());
        assertEquals(1, r.malformed());
        hasProblem(r, "line 4:", "JSON syntax error");
    }

    @Test
    void suricataIprep() throws Exception {
        Path cats = Feeds.write(dir, "categories.txt", """
                # id,short name,description
                1,BadHosts,Known bad hosts
                2,CnC,Command and control
                99,TooHigh,out of range
                """);
        Path rep = Feeds.write(dir, "reputation.list", """
                ip,cat,score
                198.51.100.7,1,101
                203.0.113.0/24,2,88
                2001:db8::/32,2,40
                198.51.100.8,2,0
                198.51.100.9,1
                198.51.100.10,1,200
                """);
        IntelSnapshot s = Feeds.load(rep, cats);
        FeedReport cr = s.feeds().stream().filter(x -> x.name().equals("categories.txt")).findFirst().orElseThrow();
        FeedReport rr = s.feeds().stream().filter(x -> x.name().equals("reputation.list")).findFirst().orElseThrow();
        assertEquals("suricata-iprep-categories", cr.format());
        assertEquals(1, cr.malformed());
        assertEquals("suricata-iprep", rr.format());
        assertEquals(3, rr.indicators());
        assertEquals(1, rr.unsupported());
        assertEquals(2, rr.malformed());
        hasProblem(rr, "line 7:", "score above 127");
        IntelHit h = s.matchIp("203.0.113.77", "src_ip").get(0);
        assertEquals("CnC", h.meta().threat(), "categories are read first whatever the order given");
        assertEquals("Command and control", h.meta().description());
        assertEquals(88, h.meta().confidence());
        assertEquals("BadHosts", s.matchIp("198.51.100.7", "src_ip").get(0).meta().threat());
    }

    @Test
    void plainListOfEveryKind() throws Exception {
        Path f = Feeds.write(dir, "iocs.json", """
                # analyst's list
                198.51.100.7
                198.51.100.0/25   # a comment after the value
                2001:db8::/48
                evil.example
                hxxps://evil[.]example/gate.php?id=1
                drop.example/payload.bin
                44d88612fea8a8f36de82e1278abb02f
                0.0.0.0 ads.tracker.example
                127.0.0.1 localhost
                ; also a comment
                what is this
                010.0.0.1
                """);
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("plain", r.format());
        assertEquals(8, r.indicators());
        assertEquals(2, r.malformed());
        hasProblem(r, "line 12:", "not an IP, CIDR, domain, URL or hash");
        hasProblem(r, "line 13:", "not an IP, CIDR, domain, URL or hash");
        assertEquals(2, s.matchIp("198.51.100.7", "dest_ip").size());
        assertEquals(1, s.matchUrl("https://evil.example:443/gate.php?id=1", "http.url").size());
        assertEquals(1, s.matchUrl("drop.example", -1, "/payload.bin", "http.url").size());
        assertEquals(1, s.matchHost("ads.tracker.example", "http.hostname").size());
    }

    @Test
    void compressedFeedsAreReadByContent() throws Exception {
        String csv = "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
                + "\"1\",\"2024-03-10 09:51:07\",\"http://gz.example/a\",\"online\",\"\",\"malware_download\",\"exe\",\"x\",\"y\"\n";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(csv.getBytes(StandardCharsets.UTF_8));
        }
        Path g = dir.resolve("urlhaus.txt");
        Files.write(g, gz.toByteArray());
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            out.putNextEntry(new ZipEntry("csv.txt"));
            out.write(csv.replace("gz.example", "zip.example").getBytes(StandardCharsets.UTF_8));
        }
        Path z = dir.resolve("urlhaus2.txt");
        Files.write(z, zip.toByteArray());
        IntelSnapshot s = Feeds.load(g, z);
        assertEquals(1, s.matchUrl("http://gz.example/a", "http.url").size());
        assertEquals(1, s.matchUrl("http://zip.example/a", "http.url").size());
        assertEquals("urlhaus-csv", s.feeds().get(1).format());
    }

    @Test
    void byteOrderMarkAndCrLfAndLongLines() throws Exception {
        Path f = dir.resolve("bom.txt");
        String longLine = "x".repeat(IntelConfig.DEFAULT_MAX_LINE_BYTES + 10);
        Files.write(f, ("\uFEFFevil.example\r\n" + longLine + "\r\nbad.example\r\n").getBytes(StandardCharsets.UTF_8));
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals(2, r.indicators());
        assertEquals(1, r.malformed());
        hasProblem(r, "line 2:", "longer than intel.max-line-bytes");
        assertEquals(1, s.matchHost("evil.example", "http.hostname").size());
    }

    @Test
    void aFeedThatCannotBeReadIsAClearErrorAtStart() throws IOException {
        Path missing = dir.resolve("nope.csv");
        IntelException e = assertThrows(IntelException.class, () -> Feeds.load(missing));
        assertTrue(e.getMessage().contains("nope.csv") && e.getMessage().contains("no such file"), e.getMessage());
        Path badGzip = dir.resolve("broken.gz");
        Files.write(badGzip, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        e = assertThrows(IntelException.class, () -> Feeds.load(badGzip));
        assertTrue(e.getMessage().contains("broken.gz"), e.getMessage());
    }

    @Test
    void aFileThatIsNoFeedIsNamedAndSkipped() throws Exception {
        Path garbage = Feeds.write(dir, "garbage.txt", "this is not\na feed at all\n");
        Path json = Feeds.write(dir, "package.json", "{\"name\": \"spanwatch-notes\", \"version\": \"1.0.0\"}");
        Path script = Feeds.write(dir, "check.py", "#!/usr/bin/env python3\nimport sys\na.verbose and print(x)\n");
        Path bin = dir.resolve("capture.pcap");
        Files.write(bin, new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0, 0, 0, 0, 0});
        Path readme = Feeds.write(dir, "README.md", "evil.example is explained here\n");
        Path good = Feeds.write(dir, "good.txt", "evil.example\n");
        IntelSnapshot s = Feeds.load(garbage, json, script, bin, readme, good);
        assertEquals(1, s.size());
        assertEquals(5, s.feeds().size(), "README is not even read: " + s.feeds());
        assertTrue(s.feeds().get(0).error().contains("not a feed: format not recognised"), s.feeds().get(0).error());
        assertTrue(s.feeds().get(1).error().contains("not a STIX bundle"), s.feeds().get(1).error());
        assertTrue(s.feeds().get(2).error().contains("a script"), s.feeds().get(2).error());
        assertTrue(s.feeds().get(3).error().contains("binary data"), s.feeds().get(3).error());
        assertNull(s.feeds().get(4).error());
    }

    @Test
    void emptyAndCommentOnlyFeedsLoadEmpty() throws Exception {
        Path empty = Feeds.write(dir, "empty.txt", "");
        Path comments = Feeds.write(dir, "comments.txt", "# nothing yet\n; nor here\n");
        IntelSnapshot s = Feeds.load(empty, comments);
        assertEquals(0, s.size());
        assertNull(s.feeds().get(0).error());
    }

    @Test
    void duplicatesAreKeptOnceAndTheCapDropsTheRest() throws Exception {
        Path f = Feeds.write(dir, "dups.txt", "evil.example\nEVIL.example\nother.example\nthird.example\n");
        IntelConfig c = new IntelConfig(List.of(f), null, null, IntelConfig.DEFAULT_DEBOUNCE, 2, IntelConfig.DEFAULT_MAX_FEED_BYTES,
                IntelConfig.DEFAULT_MAX_LINE_BYTES, IntelConfig.DEFAULT_MAX_NAMED_PROBLEMS, 7, IntelConfig.DEFAULT_JOURNAL_MAX_DAY_BYTES,
                100, List.of(), IntelConfig.DEFAULT_DOWNLOAD_INTERVAL, IntelConfig.DEFAULT_DOWNLOAD_TIMEOUT);
        IntelLoader l = new IntelLoader(c);
        FeedReport r = Feeds.only(l.load(l.sources(List.of()), null, 1));
        assertEquals(2, r.indicators());
        assertEquals(1, r.duplicates());
        assertEquals(1, r.dropped());
    }
}
