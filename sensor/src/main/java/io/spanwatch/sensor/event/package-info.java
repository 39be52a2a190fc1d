/** SpanWatch sensor stage: event (guide to follow). */
package io.spanwatch.sensor.event;
