package io.kdumplab.harness.nightly;

/** A host of a night, with the lab (orchestrator group) whose workers run it. */
public record NightHost(String lab, String host) {}
