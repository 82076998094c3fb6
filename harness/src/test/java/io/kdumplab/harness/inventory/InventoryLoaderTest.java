package io.kdumplab.harness.inventory;

import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.target.ConsoleEndpoint;

import io.kdumplab.harness.failure.ConfigurationException;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

@Test(groups = "unit")
public class InventoryLoaderTest {
    private static final Path F = Path.of("lab.yaml");

    private static ConfigurationException bad(String yaml) {
        return expectThrows(ConfigurationException.class, () -> InventoryLoader.parse(F, yaml));
    }

    @Test
    public void repositoryInventoriesLoad() {
        InventoryFile lab = InventoryLoader.load(Path.of("../inventories/virtual-lab.yaml"));
        assertEquals(lab.hosts().get(0).lab(), "default");
        InventoryFile example = InventoryLoader.load(Path.of("../inventories/example-partner-lab.yaml"));
        assertEquals(example.hosts().size(), 3);
        assertEquals(InventoryLoader.bmcProtocol(example.hosts().get(2).bmc().type()), BmcEndpoint.Protocol.REDFISH);
        InventoryFile redfish = InventoryLoader.load(Path.of("../inventories/virtual-lab-redfish.yaml"));
        assertEquals(InventoryLoader.bmcProtocol(redfish.hosts().get(0).bmc().type()), BmcEndpoint.Protocol.REDFISH);
    }

    @Test
    public void aRedfishBmcMustPinItsCertificateAndCannotCarryASolConsole() {
        String host = String.join("\n",
                "hosts:",
                "  - name: a",
                "    ssh: {host: a.lab, key: /k, host_key_fingerprint: 'SHA256:x'}",
                "    bmc: {type: redfish, host: a-bmc, user: root, password_env: A_BMC%s}",
                "    console: {type: %s}",
                "");
        ConfigurationException unpinned = bad(String.format(host, "", "tcp, host: c, port: 7001"));
        assertTrue(unpinned.getMessage().contains("a Redfish BMC needs exactly one of tls_fingerprint") , unpinned.getMessage());
        ConfigurationException malformed = bad(String.format(host, ", tls_fingerprint: 'SHA256:abc'", "tcp, host: c, port: 7001"));
        assertTrue(malformed.getMessage().contains("expected SHA256: and 32 hex bytes"), malformed.getMessage());
        String pin = ", tls_fingerprint: 'SHA256:" + "ab".repeat(32) + "'";
        ConfigurationException sol = bad(String.format(host, pin, "sol"));
        assertTrue(sol.getMessage().contains("a SOL console is IPMI's"), sol.getMessage());
        InventoryFile ok = InventoryLoader.parse(F, String.format(host, pin, "tcp, host: c, port: 7001"));
        assertEquals(ok.hosts().get(0).bmc().tlsFingerprint(), "SHA256:" + "ab".repeat(32));
    }

    @Test
    public void aDumpServerIsReachedWithAPinnedHostKeyAndNeverForALabHost() {
        String host = String.join("\n",
                "hosts:",
                "  - name: a",
                "    ssh: {host: a.lab, key: /k, host_key_fingerprint: 'SHA256:x'}",
                "    bmc: {host: a-bmc, user: root, password_env: A_BMC}",
                "    dump_server: {host: dumps.lab, user: kdump%s}",
                "");
        ConfigurationException noKey = bad(String.format(host, ""));
        assertTrue(noKey.getMessage().contains("lab.yaml:5:") && noKey.getMessage().contains("lacks 'key' in dump_server"),
                noKey.getMessage());
        assertTrue(noKey.getMessage().contains("the dump server's host key must be pinned"), noKey.getMessage());
        InventoryFile ok = InventoryLoader.parse(F, String.format(host, ", key: /d, host_key_fingerprint: 'SHA256:y'"));
        assertEquals(ok.hosts().get(0).dumpServer().host(), "dumps.lab");
        ConfigurationException lab = bad("hosts:\n  - name: v\n    lab: default\n    dump_server: {host: d, user: u, key: /k, "
                + "known_hosts: /kh}\n");
        assertTrue(lab.getMessage().contains("its dump server is the lab's own"), lab.getMessage());
    }

    @Test
    public void anSshConsoleIsPinnedAndCarriesTheCommandThatAttaches() throws Exception {
        String host = String.join("\n",
                "hosts:",
                "  - name: a",
                "    ssh: {host: a.lab, key: /k, host_key_fingerprint: 'SHA256:x'}",
                "    bmc: {type: redfish, host: a-bmc, user: root, password_env: A_BMC, tls_fingerprint: 'SHA256:" + "ab".repeat(32) + "'}",
                "    console: {type: ssh, host: a-bmc, user: Administrator, key: /ck%s}",
                "");
        ConfigurationException unpinned = bad(String.format(host, ""));
        assertTrue(unpinned.getMessage().contains("lab.yaml:5:") && unpinned.getMessage().contains("the SSH console's host key "
                + "must be pinned"), unpinned.getMessage());
        Path f = Files.createTempFile("inv", ".yaml");
        Files.writeString(f, String.format(host, ", host_key_fingerprint: 'SHA256:c', command: vsp"));
        var resolved = Inventory.load(f).resolve("a", VirtualLabs.NONE);
        assertEquals(resolved.console().type(), ConsoleEndpoint.Type.SSH);
        assertEquals(resolved.console().describe(), "SSH console Administrator@a-bmc:22 ('vsp')");
        assertEquals(resolved.console().ssh().hostKeyFingerprint(), "SHA256:c");
    }

    /** As BMC consoles take one: a password from the environment or a file instead of a key; exactly one login. */
    @Test
    public void anSshConsoleLogsInWithAKeyOrAPasswordNeverBothNeverInline() throws Exception {
        String host = String.join("\n",
                "hosts:",
                "  - name: a",
                "    ssh: {host: a.lab, key: /k, host_key_fingerprint: 'SHA256:x'}",
                "    bmc: {type: redfish, host: a-bmc, user: root, password_env: A_BMC, tls_fingerprint: 'SHA256:" + "ab".repeat(32) + "'}",
                "    console: {type: ssh, host: a-bmc, port: 2200, user: root, host_key_fingerprint: 'SHA256:c'%s}",
                "");
        ConfigurationException none = bad(String.format(host, ""));
        assertTrue(none.getMessage().contains("lab.yaml:5:") && none.getMessage().contains("the SSH console needs exactly one of key"),
                none.getMessage());
        ConfigurationException both = bad(String.format(host, ", key: /ck, password_env: CONSOLE_PW"));
        assertTrue(both.getMessage().contains("exactly one of key"), both.getMessage());
        ConfigurationException inline = bad(String.format(host, ", password: hunter2"));
        assertTrue(inline.getMessage().contains("unknown field 'password'"), inline.getMessage());
        Path f = Files.createTempFile("inv", ".yaml");
        Files.writeString(f, String.format(host, ", password_env: CONSOLE_PW"));
        var ep = Inventory.load(f).resolve("a", VirtualLabs.NONE).console().ssh();
        assertEquals(ep.privateKey(), null);
        assertEquals(ep.password().source(), "environment variable CONSOLE_PW");
        assertEquals(ep.credentials(), "the password from environment variable CONSOLE_PW");
    }

    @Test
    public void yamlSyntaxErrorNamesLineAndColumn() {
        ConfigurationException e = bad("hosts:\n  - name: a\n    ssh: {host: x\n");
        assertTrue(e.getMessage().matches("(?s)lab\\.yaml:\\d+:\\d+: not valid YAML.*"), e.getMessage());
    }

    @Test
    public void unknownFieldNamesLineColumnAndTheExpectedFields() {
        ConfigurationException e = bad("hosts:\n  - name: a\n    bmc:\n      host: b\n      user: u\n      password: secret\n");
        assertTrue(e.getMessage().startsWith("lab.yaml:6:"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown field 'password'"), e.getMessage());
        assertTrue(e.hint().contains("password_env") && e.hint().contains("password_file"), e.hint());
    }

    @Test
    public void semanticErrorsAreCollectedWithTheirLocations() {
        String yaml = String.join("\n",
                "hosts:",
                "  - name: a",
                "    ssh:",
                "      host: a.lab",
                "      key: ~/.ssh/k",
                "    bmc:",
                "      host: a-bmc",
                "      user: admin",
                "      password_env: A_BMC",
                "      cipher_suite: 0",
                "    console:",
                "      type: vnc",
                "");
        ConfigurationException e = bad(yaml);
        assertTrue(e.getMessage().contains("3 error(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("lab.yaml:4:7: host 'a': the SSH host key must be pinned")
                || e.getMessage().contains("lab.yaml:4:"), e.getMessage());
        assertTrue(e.getMessage().contains("lab.yaml:10:21: cipher suite 0 is not supported (suite 0 has no authentication"),
                e.getMessage());
        assertTrue(e.getMessage().contains("lab.yaml:12:13: console type 'vnc' is unknown; expected serial, sol, tcp, telnet or ssh"),
                e.getMessage());
        ConfigurationException telnet = bad(yaml.replace("type: vnc", "type: telnet"));
        assertTrue(telnet.getMessage().contains("lab.yaml:12:7: a telnet console needs 'host' and 'port' (the console server)"),
                telnet.getMessage());
    }

    @Test
    public void missingPasswordSourceIsExplained() {
        ConfigurationException e = bad("hosts:\n  - name: a\n    ssh: {host: a, key: k, host_key_fingerprint: \"SHA256:x\"}\n"
                + "    bmc: {host: b, user: u}\n");
        assertTrue(e.getMessage().contains("lab.yaml:4:10: host 'a': give exactly one of password_env"), e.getMessage());
        assertTrue(e.getMessage().contains("never written inline"), e.getMessage());
    }

    @Test
    public void wrongTypeNamesTheField() {
        ConfigurationException e = bad("hosts:\n  - name: a\n    ssh: {host: a, port: twenty-two}\n");
        assertTrue(e.getMessage().startsWith("lab.yaml:3:"), e.getMessage());
        assertTrue(e.getMessage().contains("hosts[0].ssh.port"), e.getMessage());
    }

    @Test
    public void aBmcTypeIsIpmiByDefaultAndAnUnknownOneIsNamedWithItsLine() {
        String host = String.join("\n",
                "hosts:",
                "  - name: a",
                "    ssh: {host: a.lab, key: /k, host_key_fingerprint: 'SHA256:x'}",
                "    bmc:",
                "%s",
                "      host: a-bmc",
                "      user: admin",
                "      password_env: A_BMC",
                "    console: {type: sol}",
                "");
        InventoryFile ok = InventoryLoader.parse(F, String.format(host, "      port: 623"));
        assertEquals(InventoryLoader.bmcProtocol(ok.hosts().get(0).bmc().type()), BmcEndpoint.Protocol.IPMI);
        assertEquals(InventoryLoader.bmcProtocol(InventoryLoader.parse(F, String.format(host, "      type: ipmi")).hosts().get(0)
                .bmc().type()), BmcEndpoint.Protocol.IPMI);
        ConfigurationException e = bad(String.format(host, "      type: amt"));
        assertTrue(e.getMessage().contains("lab.yaml:5:13: host 'a': BMC type 'amt' is not supported; supported: ipmi"),
                e.getMessage());
    }
}
