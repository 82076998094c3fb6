package io.kdumplab.harness.device;

import java.util.List;

/**
 * What a distribution's dump tooling leaves for one dump, as shell globs inside the dump's own directory (one
 * directory per dump under the target directory): the dump itself, its kernel log, and the files that exist only
 * while it is still writing (renamed away once the dump is complete). `dirsNamedAfterHost`: on a dump server the
 * tooling names each dump's directory after the sending host (its address or name, then the time), as kdump-tools
 * and kdump-utils do; SUSE's kdump names it after the time alone.
 */
public record DumpLayout(List<String> dumps, List<String> dmesg, List<String> incomplete, boolean dirsNamedAfterHost) {}
