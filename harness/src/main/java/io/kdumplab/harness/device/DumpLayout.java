package io.kdumplab.harness.device;

import java.util.List;

/**
 * What a distribution's dump tooling leaves for one dump, as shell globs inside the dump's own directory (one
 * directory per dump under the target directory): the dump itself, its kernel log, and the files that exist only
 * while it is still writing (renamed away once the dump is complete).
 */
public record DumpLayout(List<String> dumps, List<String> dmesg, List<String> incomplete) {}
