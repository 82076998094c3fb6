package io.kdumplab.harness.inventory;

import io.kdumplab.harness.util.Secret;

/** Where a BMC is and how to log in to it. */
public record BmcEndpoint(String host, int port, String user, Secret password) {
    public String describe() {
        return "BMC " + user + "@" + host + ":" + port;
    }
}
