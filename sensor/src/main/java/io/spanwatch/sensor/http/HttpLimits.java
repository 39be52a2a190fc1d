package io.spanwatch.sensor.http;
// TEMPORARY STUB
public record HttpLimits(int x) { public static final HttpLimits DEFAULTS = new HttpLimits(0); }
