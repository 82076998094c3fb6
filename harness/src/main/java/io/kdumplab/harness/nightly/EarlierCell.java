package io.kdumplab.harness.nightly;

import java.time.LocalDate;

/** A judged cell of an earlier night of the same plan (same host, kernel, scenario): what tonight is compared with. */
public record EarlierCell(LocalDate night, String verdict, String build, String report) {}
