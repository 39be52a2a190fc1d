package io.spanwatch.analyzer.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes the sentences of a report: the executive summary (each figure with its change from the
 * period before) and what to do now. Returns plain text; the caller escapes it for its document.
 */
final class Prose {
    private Prose() {
    }

    /** Returns how the period before is named: {@code last week}, {@code last month}, {@code the 3 days before}. */
    static String before(ReportPeriod p) {
        return switch (p.kind()) {
            case WEEK -> "last week";
            case MONTH -> "last month";
            case RANGE -> p.days().size() == 1 ? "the day before" : "the " + p.days().size() + " days before";
            case ASSESSMENT -> "";
        };
    }

    /** Returns {@code " (last week: 2)"}, or nothing without a period before. */
    private static String was(Figures f, long previous) {
        return f.previous() == null ? "" : " (" + before(f.period()) + ": " + Fmt.n(previous) + ")";
    }

    /**
     * Returns the infected hosts that only sent malware (uploads to a server outside) and received none:
     * they count among the infected, but did not receive it.
     */
    static List<String> senders(Figures f) {
        return f.hosts().atRisk().stream().filter(Figures.HostRow::onlySentMalware).map(Figures.HostRow::ip)
                .filter(f.hosts().infected()::contains).toList();
    }

    /** Returns the executive summary, one sentence an item. */
    static List<String> summary(Figures f) {
        List<String> out = new ArrayList<>();
        Figures p = f.previous();
        List<String> infected = f.hosts().infected();
        List<String> sent = senders(f);
        List<String> received = infected.stream().filter(h -> !sent.contains(h)).toList();
        String before = was(f, p == null ? 0 : p.hosts().infected().size());
        if (infected.isEmpty()) {
            out.add("No internal host received malware" + before + ".");
        } else if (sent.isEmpty()) {
            out.add(Fmt.num(infected.size(), "internal host", "internal hosts") + " received malware: " + Fmt.list(infected, 6) + before + ".");
        } else if (received.isEmpty()) {
            out.add(Fmt.num(infected.size(), "internal host", "internal hosts") + " sent malware out (uploads): " + Fmt.list(infected, 6)
                    + before + ".");
        } else {
            out.add(Fmt.num(infected.size(), "internal host", "internal hosts") + " had malware: " + Fmt.list(received, 6) + " received it, "
                    + Fmt.list(sent, 6) + " sent it out (uploads)" + before + ".");
        }
        if (f.malwareDownloads() + f.malwareUploads() > 0) {
            List<String> fams = new ArrayList<>();
            f.families().forEach(x -> fams.add(x.name()));
            out.add("SpanWatch saw " + Fmt.num(f.malwareDownloads(), "malware download", "malware downloads")
                    + (f.malwareUploads() > 0 ? " and " + Fmt.num(f.malwareUploads(), "upload", "uploads") : "") + was(f,
                            p == null ? 0 : p.malwareDownloads()) + ", of " + Fmt.num(fams.size(), "family", "families") + ": "
                    + Fmt.list(fams, 4) + ".");
        }
        List<String> beaconing = f.hosts().beaconing();
        if (beaconing.isEmpty()) {
            out.add("No internal host called out at regular intervals like a bot checking in with its command server"
                    + was(f, p == null ? 0 : p.hosts().beaconing().size()) + ".");
        } else {
            out.add(Fmt.num(beaconing.size(), "internal host", "internal hosts") + " called out at regular intervals like a bot "
                    + "checking in with its command server (beacons), to " + Fmt.num(f.callbacks().size(), "destination", "destinations")
                    + was(f, p == null ? 0 : p.hosts().beaconing().size()) + ".");
        }
        if (f.reputationHits() == 0) {
            out.add("Nothing matched the threat-intelligence feeds" + was(f, p == null ? 0 : p.reputationHits()) + ".");
        } else {
            out.add("Threat-intelligence feeds matched " + Fmt.num(f.reputationHits(), "time", "times") + was(f,
                    p == null ? 0 : p.reputationHits()) + ", for " + Fmt.num(f.hosts().reputation().size(), "internal host",
                            "internal hosts") + ", in " + Fmt.num(f.feeds().size(), "feed", "feeds") + ".");
        }
        long incidents = f.totals().incidents();
        if (incidents == 0) {
            out.add("No incident joined a download to later callbacks" + was(f, p == null ? 0 : p.totals().incidents()) + ".");
        } else {
            out.add(Fmt.num(incidents, "incident", "incidents") + " joined what one host did into one story" + was(f,
                    p == null ? 0 : p.totals().incidents()) + ": " + (incidents == 1 ? "its host needs" : "each host needs")
                    + " to be isolated and reimaged.");
        }
        out.add(coverage(f));
        return out;
    }

    /** Returns the sentence about what the sensor saw and missed. */
    static String coverage(Figures f) {
        Figures.Capture c = f.capture();
        long quiet = c.hoursTotal() - c.hoursWithTraffic();
        StringBuilder sb = new StringBuilder();
        if (f.totals().events() == 0) {
            return "The sensor recorded no events in this period: if it was running, check that the mirror port still delivers traffic.";
        }
        sb.append("The sensor saw traffic in ").append(Fmt.n(c.hoursWithTraffic())).append(" of ").append(Fmt.n(c.hoursTotal()))
                .append(" hours");
        if (c.drops() > 0) {
            sb.append(" and dropped ").append(Fmt.num(c.drops(), "packet", "packets"));
        } else {
            sb.append(" and dropped no packets");
        }
        if (quiet > 0 && !c.quiet().isEmpty()) {
            Figures.QuietRun longest = c.quiet().get(0);
            sb.append("; the longest stretch without traffic ran ").append(Fmt.num(longest.hours(), "hour", "hours"))
                    .append(" from ").append(Fmt.time(longest.from(), f.period().zone()));
            if (c.quietWhileUp() > 0) {
                sb.append(", ").append(Fmt.num(c.quietWhileUp(), "hour", "hours"))
                        .append(" of silence while the sensor was running: check the mirror port");
            }
        }
        return sb.append('.').toString();
    }

    /** Returns what to do now, the most urgent first; at most {@code max} items, the last saying how many more. */
    static List<String> actions(Figures f, int max) {
        List<String> out = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        for (Figures.IncidentView v : f.incidents()) {
            String host = v.incident().host();
            if (host != null && done.add(host)) {
                List<String> dests = new ArrayList<>();
                v.incident().alerts().stream().filter(a -> a.callbackHost() != null).forEach(a -> {
                    if (!dests.contains(a.callbackHost())) {
                        dests.add(a.callbackHost());
                    }
                });
                out.add("Isolate " + host + " now and reimage it: it received malware and then called "
                        + (dests.isEmpty() ? "out" : Fmt.list(dests, 3)) + ".");
            }
        }
        for (Figures.HostRow h : f.hosts().atRisk()) {
            if (h.malware() > 0 && done.add(h.ip())) {
                out.add(h.onlySentMalware() ? "Check " + h.ip() + ": it sent " + Fmt.list(h.families(), 2) + " out (an upload); find where it "
                        + "got the file and reimage it if the file ran." : "Check " + h.ip() + " and remove what it received ("
                        + Fmt.list(h.families(), 2) + "); reimage it if the file ran.");
            }
        }
        for (Figures.HostRow h : f.hosts().atRisk()) {
            if (h.beacon() > 0 && done.add(h.ip())) {
                out.add("Find the program on " + h.ip() + " that calls " + Fmt.list(h.callbacks(), 2) + " at regular intervals.");
            }
        }
        List<String> block = new ArrayList<>();
        for (Figures.IncidentView v : f.incidents()) {
            for (Figures.Callback c : v.callbacks()) {
                addDest(block, c);
            }
        }
        for (Figures.Callback c : f.callbacks()) {
            addDest(block, c);
        }
        if (!block.isEmpty()) {
            out.add("Block " + Fmt.list(block, 5) + " at the proxy or firewall, and look for other hosts that reach "
                    + (block.size() == 1 ? "it" : "them") + ".");
        }
        for (Figures.HostRow h : f.hosts().atRisk()) {
            if (h.reputation() > 0 && done.add(h.ip())) {
                out.add("Review what " + h.ip() + " exchanged with the listed destinations (" + Fmt.list(h.feeds(), 2) + ").");
            }
        }
        if (out.size() > max) {
            int more = out.size() - (max - 1);
            out = new ArrayList<>(out.subList(0, max - 1));
            out.add(more + " more hosts need a look: see the table of hosts at risk.");
        }
        return out;
    }

    private static void addDest(List<String> block, Figures.Callback c) {
        String d = c.host() + (c.destIp() != null && !c.destIp().equals(c.host()) ? " (" + c.destIp() + ")" : "");
        if (!block.contains(d)) {
            block.add(d);
        }
    }
}
