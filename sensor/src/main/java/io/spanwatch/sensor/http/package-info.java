/** SpanWatch sensor stage: http (guide to follow). */
package io.spanwatch.sensor.http;
