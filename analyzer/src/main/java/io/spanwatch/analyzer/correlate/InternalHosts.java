package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AddressSet;

import java.util.HashMap;
import java.util.function.Predicate;

/**
 * Tells whether an address is internal ({@code --home-net}) from a small cache: parsing the
 * address text for every event costs more than tracking the request. At most {@value #MAX_CACHED}
 * addresses are cached; the cache is emptied when full (a network has far fewer busy hosts).
 * Not thread-safe: the correlation thread owns it.
 */
final class InternalHosts implements Predicate<String> {
    static final int MAX_CACHED = 65_536;

    private final AddressSet homeNet;
    private final HashMap<String, Boolean> cache = new HashMap<>();

    InternalHosts(AddressSet homeNet) {
        this.homeNet = homeNet;
    }

    AddressSet homeNet() {
        return homeNet;
    }

    /** Returns whether {@code ip} is in the home net; false for null. */
    @Override
    public boolean test(String ip) {
        if (ip == null) {
            return false;
        }
        Boolean known = cache.get(ip);
        if (known == null) {
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            known = homeNet.contains(ip);
            cache.put(ip, known);
        }
        return known;
    }
}
