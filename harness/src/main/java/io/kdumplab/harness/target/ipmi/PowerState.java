package io.kdumplab.harness.target.ipmi;

public enum PowerState { ON, OFF }
