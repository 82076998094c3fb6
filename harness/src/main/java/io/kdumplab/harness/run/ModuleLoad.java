package io.kdumplab.harness.run;

/** A kernel module the run loaded: where from, whether the host's cache had it, and how long its build took (0 when cached). */
public record ModuleLoad(String module, String path, boolean cached, double buildSeconds) {}
