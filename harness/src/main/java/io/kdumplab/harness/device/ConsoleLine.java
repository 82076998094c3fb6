package io.kdumplab.harness.device;

/** One console line: when its newline arrived (epoch ms), where it starts in console.log, its text. */
public record ConsoleLine(int index, long epochMillis, long offset, String text) {}
