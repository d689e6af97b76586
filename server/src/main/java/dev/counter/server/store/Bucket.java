package dev.counter.server.store;

/** One period of a window, [startMillis, endMillis), with the total of the increments applied in it. */
public record Bucket(long startMillis, long endMillis, long value) {}
