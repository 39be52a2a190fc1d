/** SpanWatch sensor stage: decode (guide to follow). */
package io.spanwatch.sensor.decode;
