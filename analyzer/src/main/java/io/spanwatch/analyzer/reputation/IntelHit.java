package io.spanwatch.analyzer.reputation;

/**
 * Says that an observed value matched an indicator: what an alert's {@code reputation} object
 * carries.
 *
 * @param indicator the indicator as the feed wrote it
 * @param type its type
 * @param feed the feed's file name
 * @param field the EVE field that matched ({@code dest_ip}, {@code http.hostname}, {@code http.url},
 *     {@code fileinfo.sha256}, ...)
 * @param meta what the feed says about the indicator
 * @param identity a 64-bit fingerprint of (feed, type, normalised indicator): equal for the same
 *     indicator of the same feed across reloads; used to raise one alert per indicator per flow
 * @param retro true when the indicator arrived after the event (retro-hunt)
 */
public record IntelHit(String indicator, IndicatorType type, String feed, String field, IntelMeta meta, long identity,
        boolean retro) {

    /** Returns this hit marked as found by a retro-hunt. */
    public IntelHit asRetro() {
        return retro ? this : new IntelHit(indicator, type, feed, field, meta, identity, true);
    }
}
