/** SpanWatch sensor stage: capture (guide to follow). */
package io.spanwatch.sensor.capture;
