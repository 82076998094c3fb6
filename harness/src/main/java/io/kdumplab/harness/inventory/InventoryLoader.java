package io.kdumplab.harness.inventory;

import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.config.YamlSource;
import io.kdumplab.harness.config.SourceLocations;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kdumplab.harness.failure.ConfigurationException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads and validates an inventory. Every error names file:line:column and
 * what was expected; all validation errors are collected and reported at once.
 */
public final class InventoryLoader {
    static final Set<String> CONSOLE_TYPES = Set.of("serial", "sol", "tcp", "telnet", "ssh");
    /** BMC protocols by their inventory name (`bmc: type:`); a new protocol is a driver, a line here and one in the factory. */
    static final Set<String> BMC_TYPES = Set.of("ipmi", "redfish");
    static final java.util.regex.Pattern TLS_PIN = java.util.regex.Pattern.compile("(?i)SHA256:([0-9a-f]{2}:?){31}[0-9a-f]{2}");

    static BmcEndpoint.Protocol bmcProtocol(String type) {
        return type == null ? BmcEndpoint.Protocol.IPMI : BmcEndpoint.Protocol.valueOf(type.toUpperCase(java.util.Locale.ROOT));
    }
    static final Set<String> DISTROS = Set.of("debian", "rhel", "suse");

    private InventoryLoader() {}

    public static InventoryFile load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read inventory " + file + ": " + e.getMessage(),
                    "check the path given with --inventory");
        }
        return parse(file, text);
    }

    public static InventoryFile parse(Path file, String text) {
        YAMLMapper mapper = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
        YamlSource.syntax(file, text); // syntax first, so a YAML error is reported as such
        InventoryFile inv;
        try {
            inv = mapper.readValue(text, InventoryFile.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            String pointer = pointerOf(e);
            String parent = pathOf(e).replaceFirst("\\.?[^.\\[]+$", "");
            throw new ConfigurationException(SourceLocations.scan(file, text).at(pointer) + ": unknown field '"
                    + e.getPropertyName() + "'" + (parent.isEmpty() ? "" : " in " + parent),
                    known.isEmpty() ? "remove it" : "expected one of: " + known);
        } catch (JsonMappingException e) {
            throw new ConfigurationException(where(file, e.getLocation()) + ": " + firstLine(e.getOriginalMessage())
                    + (e.getPath().isEmpty() ? "" : " (at " + pathOf(e) + ")"),
                    "see inventories/README.md for the fields and their types");
        } catch (JsonProcessingException e) {
            throw new ConfigurationException(where(file, e.getLocation()) + ": not valid YAML: "
                    + firstLine(e.getOriginalMessage()), "fix the syntax at that line");
        }
        if (inv == null || inv.hosts() == null) {
            throw new ConfigurationException(file + ":1:1: the inventory has no 'hosts' list",
                    "start the file with 'hosts:' and one entry per server");
        }
        validate(file, text, inv);
        return inv;
    }

    private static void validate(Path file, String text, InventoryFile inv) {
        SourceLocations loc = SourceLocations.scan(file, text);
        List<String> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < inv.hosts().size(); i++) {
            InventoryFile.Host h = inv.hosts().get(i);
            String p = "/hosts/" + i;
            if (h == null) {
                errors.add(loc.at(p) + ": empty host entry");
                continue;
            }
            for (int t = 0; t < h.tags().size(); t++) {
                String tag = h.tags().get(t);
                if (tag == null || !tag.matches("[A-Za-z0-9._-]+")) {
                    errors.add(loc.at(p + "/tags/" + t) + ": tag '" + tag + "' may hold letters, digits, '.', '_' and '-' only");
                }
            }
            if (!names.add(h.name())) {
                errors.add(loc.at(p + "/name") + ": host name '" + h.name() + "' appears twice");
            }
            if (h.lab() != null) {
                // a lab host may pick which of the lab's BMCs to use (bmc: {type: redfish}), and the other as its
                // fallback; its endpoints are the lab's
                if (h.ssh() != null || !typeOnly(h.bmc()) || !typeOnly(h.fallbackBmc())) {
                    errors.add(loc.at(p + "/lab") + ": host '" + h.name() + "' names a virtual lab and also ssh/bmc: "
                            + "use one or the other (a lab host may only choose its BMCs' types: bmc: {type: redfish}, "
                            + "fallback_bmc: {type: ipmi})");
                } else {
                    for (String f : new String[] {"bmc", "fallback_bmc"}) {
                        InventoryFile.Bmc b = f.equals("bmc") ? h.bmc() : h.fallbackBmc();
                        if (b != null && b.type() != null && !BMC_TYPES.contains(b.type())) {
                            errors.add(loc.at(p + "/" + f + "/type") + ": host '" + h.name() + "': BMC type '" + b.type()
                                    + "' is not supported; supported: " + String.join(", ", BMC_TYPES.stream().sorted().toList()));
                        }
                    }
                }
            } else {
                if (h.ssh() == null) {
                    errors.add(loc.at(p) + ": host '" + h.name() + "' has no 'ssh' section (host, user, key, host_key_fingerprint)");
                } else {
                    require(errors, loc, p + "/ssh", "host", h.ssh().host(), h.name());
                    require(errors, loc, p + "/ssh", "key", h.ssh().key(), h.name());
                    if (blank(h.ssh().hostKeyFingerprint()) && blank(h.ssh().knownHosts())) {
                        errors.add(loc.at(p + "/ssh") + ": host '" + h.name() + "': the SSH host key must be pinned: "
                                + "set host_key_fingerprint (SHA256:..., from ssh-keygen -lf) or known_hosts");
                    } else if (!blank(h.ssh().hostKeyFingerprint()) && !h.ssh().hostKeyFingerprint().startsWith("SHA256:")) {
                        errors.add(loc.at(p + "/ssh/host_key_fingerprint") + ": expected an OpenSSH SHA256 fingerprint "
                                + "like SHA256:AoZqG1N5..., got '" + h.ssh().hostKeyFingerprint() + "'");
                    }
                    port(errors, loc, p + "/ssh/port", h.ssh().port());
                }
                if (h.bmc() == null) {
                    errors.add(loc.at(p) + ": host '" + h.name() + "' has no 'bmc' section (host, user, password_env or password_file)");
                } else {
                    bmc(errors, loc, p + "/bmc", h.bmc(), h.name());
                }
                if (h.fallbackBmc() != null) {
                    bmc(errors, loc, p + "/fallback_bmc", h.fallbackBmc(), h.name());
                }
            }
            if (h.console() != null && "sol".equals(h.console().type()) && h.bmc() != null && "redfish".equals(h.bmc().type())) {
                errors.add(loc.at(p + "/console/type") + ": host '" + h.name() + "': a SOL console is IPMI's; this host's BMC "
                        + "is Redfish: use the BMC's SSH console, a console server (tcp) or a serial line");
            }
            if (h.console() != null) {
                String type = h.console().type();
                if (type == null || !CONSOLE_TYPES.contains(type)) {
                    errors.add(loc.at(p + "/console/type") + ": console type '" + type + "' is unknown; expected serial, sol, tcp, telnet or ssh");
                } else if (type.equals("serial") && h.lab() == null && blank(h.console().device())) {
                    errors.add(loc.at(p + "/console") + ": a serial console needs 'device' (e.g. /dev/ttyUSB0)");
                } else if ((type.equals("tcp") || type.equals("telnet")) && h.lab() == null
                        && (blank(h.console().host()) || h.console().port() == null)) {
                    errors.add(loc.at(p + "/console") + ": a " + type + " console needs 'host' and 'port' (the console server)");
                } else if (type.equals("ssh") && h.lab() == null) {
                    // a BMC's or console server's SSH console: pinned like any SSH host; a key of the harness's own, or
                    // the password such consoles often take (never inline)
                    require(errors, loc, p + "/console", "host", h.console().host(), h.name());
                    require(errors, loc, p + "/console", "user", h.console().user(), h.name());
                    int logins = (blank(h.console().key()) ? 0 : 1) + (blank(h.console().passwordEnv()) ? 0 : 1)
                            + (blank(h.console().passwordFile()) ? 0 : 1);
                    if (logins != 1) {
                        errors.add(loc.at(p + "/console") + ": host '" + h.name() + "': the SSH console needs exactly one of "
                                + "key (a private key file), password_env (an environment variable name) or password_file "
                                + "(a 0600 file); passwords are never written inline");
                    }
                    if (blank(h.console().hostKeyFingerprint()) && blank(h.console().knownHosts())) {
                        errors.add(loc.at(p + "/console") + ": host '" + h.name() + "': the SSH console's host key must be "
                                + "pinned: set host_key_fingerprint (SHA256:...) or known_hosts");
                    }
                }
                port(errors, loc, p + "/console/port", h.console().port());
            }
            if (h.dumpServer() != null) {
                InventoryFile.Ssh d = h.dumpServer();
                if (h.lab() != null) {
                    errors.add(loc.at(p + "/dump_server") + ": host '" + h.name() + "' is a virtual lab's: its dump server is the "
                            + "lab's own (./harness.sh lab dump-target ssh); remove dump_server");
                } else {
                    // the machine the host's kdump sends its dumps to (SSH= / ssh ...), as the harness reaches it
                    require(errors, loc, p + "/dump_server", "host", d.host(), h.name());
                    require(errors, loc, p + "/dump_server", "user", d.user(), h.name());
                    require(errors, loc, p + "/dump_server", "key", d.key(), h.name());
                    if (blank(d.hostKeyFingerprint()) && blank(d.knownHosts())) {
                        errors.add(loc.at(p + "/dump_server") + ": host '" + h.name() + "': the dump server's host key must be "
                                + "pinned: set host_key_fingerprint (SHA256:..., from ssh-keygen -lf) or known_hosts");
                    } else if (!blank(d.hostKeyFingerprint()) && !d.hostKeyFingerprint().startsWith("SHA256:")) {
                        errors.add(loc.at(p + "/dump_server/host_key_fingerprint") + ": expected an OpenSSH SHA256 fingerprint "
                                + "like SHA256:AoZqG1N5..., got '" + d.hostKeyFingerprint() + "'");
                    }
                    port(errors, loc, p + "/dump_server/port", d.port());
                }
            }
            if (h.distro() != null && !DISTROS.contains(h.distro())) {
                errors.add(loc.at(p + "/distro") + ": distro '" + h.distro() + "' is unknown; expected debian, rhel or suse "
                        + "(or leave it out to detect it)");
            }
            if (h.crashkernel() != null && !h.crashkernel().matches("[0-9A-Za-z:,@+-]+")) {
                errors.add(loc.at(p + "/crashkernel") + ": '" + h.crashkernel() + "' is not a crashkernel= value "
                        + "(e.g. 1G-4G:192M,4G-64G:256M,64G-:512M)");
            }
            if (h.kernel() != null && !h.kernel().matches("[0-9A-Za-z._+~-]+")) {
                errors.add(loc.at(p + "/kernel") + ": '" + h.kernel() + "' is not a kernel release (as uname -r prints it, "
                        + "e.g. 6.1.0-56-rt-amd64)");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigurationException("inventory " + file + " has " + errors.size() + " error(s):\n  "
                    + String.join("\n  ", errors), "fix them and run again");
        }
    }

    /** One BMC section (bmc or fallback_bmc) of a real host. */
    private static void bmc(List<String> errors, SourceLocations loc, String at, InventoryFile.Bmc b, String host) {
        if (b.type() != null && !BMC_TYPES.contains(b.type())) {
            errors.add(loc.at(at + "/type") + ": host '" + host + "': BMC type '" + b.type()
                    + "' is not supported; supported: " + String.join(", ", BMC_TYPES.stream().sorted().toList())
                    + " (the default)");
        }
        require(errors, loc, at, "host", b.host(), host);
        require(errors, loc, at, "user", b.user(), host);
        if (blank(b.passwordEnv()) == blank(b.passwordFile())) {
            errors.add(loc.at(at) + ": host '" + host + "': give exactly one of password_env "
                    + "(an environment variable name) or password_file (a 0600 file); passwords are never written inline");
        }
        port(errors, loc, at + "/port", b.port());
        if ("redfish".equals(b.type())) {
            // the BMC's certificate is trusted as SSH host keys are: pinned, or through a CA the user names
            if (blank(b.tlsFingerprint()) == blank(b.caFile())) {
                errors.add(loc.at(at) + ": host '" + host + "': a Redfish BMC needs exactly one of "
                        + "tls_fingerprint (SHA256:..., from `openssl s_client -connect HOST:443 </dev/null | openssl x509 "
                        + "-noout -fingerprint -sha256`) or ca_file; its certificate is never trusted blindly");
            } else if (!blank(b.tlsFingerprint()) && !TLS_PIN.matcher(b.tlsFingerprint()).matches()) {
                errors.add(loc.at(at + "/tls_fingerprint") + ": expected SHA256: and 32 hex bytes (colons "
                        + "optional), as openssl prints it; got '" + b.tlsFingerprint() + "'");
            }
            if (b.cipherSuite() != null) {
                errors.add(loc.at(at + "/cipher_suite") + ": cipher_suite is an IPMI setting; this BMC is Redfish");
            }
        } else if (b.tlsFingerprint() != null || b.caFile() != null || b.systemId() != null) {
            errors.add(loc.at(at) + ": host '" + host + "': tls_fingerprint, ca_file and system_id "
                    + "are Redfish settings; set type: redfish or remove them");
        }
        if (b.cipherSuite() != null && b.cipherSuite() != 3 && b.cipherSuite() != 17) {
            errors.add(loc.at(at + "/cipher_suite") + ": cipher suite " + b.cipherSuite()
                    + " is not supported" + (b.cipherSuite() == 0 ? " (suite 0 has no authentication and is always refused)" : "")
                    + "; use 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128) or 3 (RAKP-HMAC-SHA1, "
                    + "HMAC-SHA1-96, AES-CBC-128), or leave it out to negotiate (17 first)");
        }
        if (b.kgEnv() != null && b.kgFile() != null) {
            errors.add(loc.at(at) + ": host '" + host + "': give at most one of kg_env or kg_file");
        }
        if ((b.kgEnv() != null || b.kgFile() != null) && "redfish".equals(b.type())) {
            errors.add(loc.at(at) + ": host '" + host + "': kg_env and kg_file are IPMI settings; this BMC is Redfish");
        }
    }

    /** A lab host's BMC section may only name a type. */
    private static boolean typeOnly(InventoryFile.Bmc b) {
        return b == null || b.host() == null && b.user() == null && b.port() == null && b.passwordEnv() == null
                && b.passwordFile() == null && b.tlsFingerprint() == null && b.caFile() == null && b.cipherSuite() == null
                && b.kgEnv() == null && b.kgFile() == null;
    }

    private static void require(List<String> errors, SourceLocations loc, String pointer, String field, String value, String host) {
        if (blank(value)) {
            errors.add(loc.at(pointer) + ": host '" + host + "' lacks '" + field + "' in " + pointer.substring(pointer.lastIndexOf('/') + 1));
        }
    }

    private static void port(List<String> errors, SourceLocations loc, String pointer, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            errors.add(loc.at(pointer) + ": port " + port + " is out of range 1..65535");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String where(Path file, JsonLocation l) {
        return l == null ? file + ":1:1" : file + ":" + l.getLineNr() + ":" + l.getColumnNr();
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String pointerOf(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            b.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid value";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
