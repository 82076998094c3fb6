package io.kdumplab.harness.device;

public enum PowerState { ON, OFF }
