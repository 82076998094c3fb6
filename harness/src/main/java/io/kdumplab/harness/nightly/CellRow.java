package io.kdumplab.harness.nightly;

/** A cell as stored for a night. */
public record CellRow(String nightId, String key, String lab, String host, String kernel, String build, String scenario,
                      int repeat, int seq, String state, String verdict, String reason, String report, int attempts,
                      String diagnosis) {}
