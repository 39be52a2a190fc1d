package io.spanwatch.analyzer.cli;

/** Prints usage; a placeholder for the spanwatch CLI so that the launcher can be tried. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("""
                usage: spanwatch analyze --out DIR CAPTURE.pcap [MORE.pcap ...]
                       spanwatch sensor --interface IF --out DIR [--bpf EXPR] [--clamd ADDRESS]""");
    }
}
