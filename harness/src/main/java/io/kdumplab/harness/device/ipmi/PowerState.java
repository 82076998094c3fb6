package io.kdumplab.harness.device.ipmi;

public enum PowerState { ON, OFF }
