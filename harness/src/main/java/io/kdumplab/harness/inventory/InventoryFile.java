package io.kdumplab.harness.inventory;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * The YAML inventory as written by a lab engineer (resources only, no behaviour).
 * Field names are snake_case in the file.
 */
public record InventoryFile(@JsonProperty(required = true) List<Host> hosts) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Host(@JsonProperty(required = true) String name,
                       String lab,
                       Ssh ssh,
                       Bmc bmc,
                       Console console,
                       String distro,
                       String crashkernel,
                       String dumpDir,
                       String kernel,
                       List<String> tags,
                       Ssh dumpServer,
                       Bmc fallbackBmc) {
        /** Groups for nightly plans ({@code hosts: [{tag: dl380}]}); never null. */
        public List<String> tags() {
            return tags == null ? List.of() : tags;
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Ssh(String host, Integer port, String user, String key, String hostKeyFingerprint, String knownHosts) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Bmc(String type, String host, Integer port, String user, String passwordEnv, String passwordFile, Integer cipherSuite,
                      String tlsFingerprint, String caFile, String systemId, String kgEnv, String kgFile) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Console(String type, String device, Integer baud, String host, Integer port, String user, String key,
                          String hostKeyFingerprint, String knownHosts, String command, String passwordEnv,
                          String passwordFile) {
        public Console(String type, String device, Integer baud, String host, Integer port) {
            this(type, device, baud, host, port, null, null, null, null, null, null, null);
        }
    }
}
