package io.spanwatch.sensor.decode;

/**
 * Reads IPv4 options and the options of IPv6 hop-by-hop and destination options headers as receiving
 * hosts read them, so that a decoy the host drops for its options does not stand in for the real bytes.
 * A packet every host drops is an anomaly ({@link DecodeAnomaly}); one that only some stacks drop is
 * marked in {@link DecodedPacket#optionsRefusedBy} with the stacks that do, and the TCP stage drops it
 * for receivers running them ({@code stream.ip_options_refused}). Stateless; used by
 * {@link PacketDecoder} on the thread that decodes.
 */
final class IpOptions {
    private static final int IPOPT_END = 0;
    private static final int IPOPT_NOP = 1;
    private static final int IPOPT_RR = 0x07;
    private static final int IPOPT_TS = 0x44;
    private static final int IPOPT_LSRR = 0x83;
    private static final int IPOPT_SSRR = 0x89;
    private static final int IPOPT_CIPSO = 0x86;
    private static final int IPOPT_RA = 0x94;
    private static final int IPV6_OPT_ROUTER_ALERT = 0x05;
    private static final int IPV6_OPT_JUMBO = 0xC2;
    /** The longest payload a packet may carry without being a jumbogram (RFC 2675 §3). */
    private static final long IPV6_MAX_PAYLOAD = 65_535;
    private static final int TS_TSONLY = 0;
    private static final int TS_TSANDADDR = 1;
    private static final int TS_PRESPEC = 3;
    private static final int TS_OVERFLOW_MAX = 15;
    private static final int IPV6_PAD1 = 0;
    private static final int IPV6_PADN = 1;
    /** Linux's {@code IP6_DEFAULT_MAX_HBH_OPTS_CNT} and {@code IP6_DEFAULT_MAX_DST_OPTS_CNT}. */
    private static final int LINUX_MAX_IPV6_OPTIONS = 8;
    /** Linux's limit on padding bytes in a row ({@code ip6_parse_tlv}: "7 is therefore the highest valid value"). */
    private static final int LINUX_MAX_IPV6_PADDING = 7;

    private IpOptions() {
    }

    /**
     * Reads IPv4 options as a receiving host does (Linux's {@code ip_options_compile}, FreeBSD's and
     * macOS's {@code ip_dooptions}). Every host drops a packet whose option has a length below 2, below
     * what its kind needs (record route and source routes 3, timestamp 4) or past the header, a record
     * route or timestamp pointer below its first slot, a loose or strict source route
     * ({@code accept_source_route} is off on Linux hosts; Windows drops them too), and a full timestamp
     * option whose overflow counter is already 15 (Linux: "overflow == 15"; the BSDs:
     * {@code ++ipt_oflw == 0}). Linux alone drops a second record route or timestamp option, a pointer
     * within the option that leaves no room for its entry (4 bytes, 8 for a timestamp with addresses),
     * a router alert shorter than 4 bytes, and (kernels with NetLabel, as distributions build them) a CIPSO option, whose DOI no host
     * configures ({@code cipso_v4_validate}); the BSDs alone drop a timestamp option with room left whose
     * flag no RFC defines, or whose entry with an address does not fit. Unknown options are skipped, as
     * both skip them. Marks {@code out} with the stacks that drop the packet and returns the anomaly of a
     * packet every host drops, or null.
     */
    static DecodeAnomaly ipv4(byte[] b, int from, int end, DecodedPacket out) {
        boolean rr = false;
        boolean ts = false;
        int o = from;
        while (o < end) {
            int type = b[o] & 0xff;
            if (type == IPOPT_END) {
                return null; // what follows is ignored (Linux clears it)
            }
            if (type == IPOPT_NOP) {
                o++;
                continue;
            }
            int len = o + 1 < end ? b[o + 1] & 0xff : 0;
            int need = switch (type) {
                case IPOPT_RR, IPOPT_LSRR, IPOPT_SSRR -> 3;
                case IPOPT_TS -> 4;
                default -> 2;
            };
            if (len < need || o + len > end) {
                return DecodeAnomaly.IPV4_OPT_INVALID_LEN;
            }
            if (type == IPOPT_LSRR || type == IPOPT_SSRR) {
                return DecodeAnomaly.IPV4_OPT_SOURCE_ROUTE;
            }
            int ptr = len > 2 ? b[o + 2] & 0xff : 0;
            if (type == IPOPT_RR) {
                if (ptr < 4) {
                    return DecodeAnomaly.IPV4_OPT_MALFORMED;
                }
                if (rr || (ptr <= len && ptr + 3 > len)) {
                    out.optionsRefusedBy |= DecodedPacket.REFUSED_BY_LINUX;
                }
                rr = true;
            } else if (type == IPOPT_TS) {
                if (ptr < 5) {
                    return DecodeAnomaly.IPV4_OPT_MALFORMED;
                }
                int flag = b[o + 3] & 0x0f;
                int overflow = (b[o + 3] & 0xff) >>> 4;
                boolean withAddress = flag == TS_TSANDADDR || flag == TS_PRESPEC;
                // Linux: a pointer within the option must leave room for the entry; past it, the overflow
                // counter goes up (not for prespecified addresses). The BSDs count a pointer in the last
                // four bytes as full, and check the flag only when it is not.
                boolean linux = ts || (ptr <= len ? ptr + 3 > len || (withAddress && ptr + 7 > len)
                        : flag != TS_PRESPEC && overflow == TS_OVERFLOW_MAX);
                boolean bsd = ptr > len - 4 ? overflow == TS_OVERFLOW_MAX
                        : withAddress ? ptr + 7 > len : flag != TS_TSONLY;
                if (linux && bsd) {
                    return DecodeAnomaly.IPV4_OPT_MALFORMED;
                }
                out.optionsRefusedBy |= (linux ? DecodedPacket.REFUSED_BY_LINUX : 0) | (bsd ? DecodedPacket.REFUSED_BY_BSD : 0);
                ts = true;
            } else if (type == IPOPT_CIPSO) {
                out.optionsRefusedBy |= DecodedPacket.REFUSED_BY_CURRENT_LINUX;
            } else if (type == IPOPT_RA && len < 4) {
                out.optionsRefusedBy |= DecodedPacket.REFUSED_BY_LINUX; // "if (optlen < 4) goto error"
            }
            o += len;
        }
        return null;
    }

    /**
     * Reads the options of a hop-by-hop or destination options header as its receiver does (RFC 8200
     * §4.2): an option it does not know is skipped when the two high bits of its type are 00, and
     * makes it discard the whole packet otherwise. Known here as Linux knows them: Pad1, PadN, and for
     * hop-by-hop the router alert, CALIPSO and IOAM options and the jumbo payload option (in a
     * jumbogram only: with a payload length set, RFC 2675 §3 has it discarded), for destinations the
     * tunnel encapsulation limit and IOAM. Not the home address option: Linux reads it only with
     * its Mobile IPv6 module loaded, and Windows never. Returns the anomaly of a packet the host
     * discards, or null; a decoy sent with such an option otherwise stood in for the real bytes. A
     * hop-by-hop router alert whose data is not 2 bytes is dropped by every host (Linux's
     * {@code ipv6_hop_ra}: "wrong RA length"; the BSDs' and macOS's {@code ip6_process_hopopts}), and
     * so is a jumbogram whose jumbo payload option is not 4 bytes of data at 4n+2 or says 65,535
     * bytes or fewer (RFC 2675 §3; Linux's {@code ipv6_hop_jumbo}, the BSDs' {@code ip6_process_hopopts}).
     * Current Linux also drops a header holding more than 7 bytes of padding in a row, a PadN whose
     * bytes are not all zero (RFC 4942 §2.1.9.5) or more than 8 options other than padding
     * ({@code ip6_parse_tlv}; {@code max_hbh_opts_cnt}, {@code max_dst_opts_cnt}): marked in {@code out}.
     */
    static DecodeAnomaly ipv6(byte[] b, int q, int hl, boolean hopByHop, boolean jumbogram, DecodedPacket out) {
        int o = q + 2;
        int end = q + hl;
        int padding = 0;
        int count = 0;
        while (o < end) {
            int type = b[o] & 0xff;
            if (type == IPV6_PAD1) {
                if (++padding > LINUX_MAX_IPV6_PADDING) {
                    out.optionsRefusedBy |= DecodedPacket.REFUSED_BY_CURRENT_LINUX;
                }
                o++;
                continue;
            }
            if (o + 2 > end) {
                return null; // a malformed tail: left to the length checks
            }
            int optLen = 2 + (b[o + 1] & 0xff);
            if (type == IPV6_PADN) {
                padding += optLen;
                boolean zeros = true;
                for (int i = o + 2; i < Math.min(o + optLen, end); i++) {
                    zeros &= b[i] == 0;
                }
                if (padding > LINUX_MAX_IPV6_PADDING || !zeros) {
                    out.optionsRefusedBy |= DecodedPacket.REFUSED_BY_CURRENT_LINUX;
                }
            } else {
                padding = 0;
                if (++count > LINUX_MAX_IPV6_OPTIONS) {
                    out.optionsRefusedBy |= DecodedPacket.REFUSED_BY_CURRENT_LINUX;
                }
                if (hopByHop && type == IPV6_OPT_ROUTER_ALERT && optLen != 4) {
                    return DecodeAnomaly.IPV6_EXTHDR_INVALID_OPTLEN; // Linux's ipv6_hop_ra, the BSDs' ip6_process_hopopts
                }
                if (hopByHop && type == IPV6_OPT_JUMBO && jumbogram && (optLen != 6 || ((o - q) & 3) != 2 || o + optLen > end
                        || (((b[o + 2] & 0xffL) << 24) | ((b[o + 3] & 0xff) << 16) | ((b[o + 4] & 0xff) << 8) | (b[o + 5] & 0xff)) <= IPV6_MAX_PAYLOAD)) {
                    return DecodeAnomaly.IPV6_JUMBO_INVALID;
                }
                boolean known = hopByHop
                        ? type == 0x05 || (type == IPV6_OPT_JUMBO && jumbogram) || type == 0x07 || type == 0x31
                        : type == 0x04 || type == 0x31;
                if (!known && (type >>> 6) != 0) {
                    return hopByHop ? DecodeAnomaly.IPV6_HOPOPTS_UNKNOWN_OPT : DecodeAnomaly.IPV6_DSTOPTS_UNKNOWN_OPT;
                }
            }
            o += optLen;
        }
        return null;
    }
}
