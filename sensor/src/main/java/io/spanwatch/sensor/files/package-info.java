/** SpanWatch sensor stage: files (guide to follow). */
package io.spanwatch.sensor.files;
