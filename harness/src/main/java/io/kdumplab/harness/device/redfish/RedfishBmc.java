package io.kdumplab.harness.device.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.DriverState;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.BmcEndpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A BMC over DMTF Redfish: the NMI is `ComputerSystem.Reset` with `ResetType: Nmi` (iDRAC, iLO, XCC, Supermicro and
 * OpenBMC's bmcweb all offer it; IPMI over LAN is often switched off on them). The system is discovered from
 * /redfish/v1/Systems unless the inventory names it; the reset types are those the service lists
 * (`ResetType@Redfish.AllowableValues`, or its `@Redfish.ActionInfo`), so a BMC without Nmi is refused before a run.
 */
public final class RedfishBmc implements Bmc {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final DriverState state = new DriverState("RedfishBmc", "bmc");
    private final RedfishClient client;
    private final String system;
    private String resetTarget;
    private List<String> resetTypes;

    private RedfishBmc(RedfishClient client, String system) {
        this.client = client;
        this.system = system;
        state.opened();
    }

    /** Logs in and finds the system, or throws naming the BMC. */
    public static RedfishBmc open(BmcEndpoint endpoint) {
        RedfishClient c = RedfishClient.open(endpoint);
        try {
            return new RedfishBmc(c, systemPath(c, endpoint));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static String systemPath(RedfishClient c, BmcEndpoint endpoint) {
        if (endpoint.systemId() != null) {
            return "/redfish/v1/Systems/" + endpoint.systemId();
        }
        List<String> members = new ArrayList<>();
        c.get("/redfish/v1/Systems").path("Members").forEach(m -> members.add(m.path("@odata.id").asText()));
        if (members.size() == 1) {
            return members.get(0);
        }
        throw new ConfigurationException(endpoint.describe() + " manages " + members.size() + " systems " + members,
                "set bmc.system_id in the inventory to the one this host is (the last part of its path)");
    }

    /** Entries read at most (a log that grows while it is read is read this far). */
    private static final int MAX_EVENTS = 256;

    /**
     * The system's event log as Redfish serves it: the LogService of LogEntryType "SEL" (iDRAC's Sel, OpenBMC's and
     * most others' SEL or EventLog), its entries' numeric ids; empty when the system has none that can be read so.
     */
    private Optional<String> selEntries() {
        String services = client.get(system).path("LogServices").path("@odata.id").asText("");
        if (services.isEmpty()) {
            return Optional.empty();
        }
        String fallback = null;
        for (JsonNode m : client.get(services).path("Members")) {
            JsonNode log = client.get(m.path("@odata.id").asText());
            String entries = log.path("Entries").path("@odata.id").asText("");
            if (entries.isEmpty()) {
                continue;
            }
            if ("SEL".equals(log.path("LogEntryType").asText()) || "SEL".equalsIgnoreCase(log.path("Id").asText())) {
                return Optional.of(entries);
            }
            if ("EventLog".equals(log.path("Id").asText())) {
                fallback = entries;
            }
        }
        return Optional.ofNullable(fallback);
    }

    /** The entries with numeric ids (as SEL record ids are), expanded where the collection only links them. */
    private List<io.kdumplab.harness.device.BmcEvent> entries(String path) {
        List<io.kdumplab.harness.device.BmcEvent> out = new ArrayList<>();
        for (JsonNode m : client.get(path).path("Members")) {
            if (out.size() >= MAX_EVENTS) {
                break;
            }
            JsonNode e = m.has("Id") ? m : client.get(m.path("@odata.id").asText());
            String id = e.path("Id").asText("");
            if (!id.matches("\\d{1,9}")) {
                continue;
            }
            out.add(new io.kdumplab.harness.device.BmcEvent(Integer.parseInt(id), e.path("Created").asText(""),
                    e.path("SensorType").asText(e.path("EntryType").asText("")), e.path("Message").asText("")));
        }
        out.sort(java.util.Comparator.comparingInt(io.kdumplab.harness.device.BmcEvent::recordId));
        return out;
    }

    @Override
    public java.util.OptionalInt eventLogMark() {
        state.require("eventLogMark");
        return selEntries().map(p -> java.util.OptionalInt.of(entries(p).stream()
                .mapToInt(io.kdumplab.harness.device.BmcEvent::recordId).max().orElse(0))).orElse(java.util.OptionalInt.empty());
    }

    @Override
    public List<io.kdumplab.harness.device.BmcEvent> eventsAfter(int mark) {
        state.require("eventsAfter");
        return selEntries().map(p -> entries(p).stream().filter(e -> e.recordId() > mark).toList()).orElse(List.of());
    }

    /** The reset types the service offers for this system, read once. */
    public synchronized List<String> resetTypes() {
        if (resetTypes == null) {
            JsonNode action = client.get(system).path("Actions").path("#ComputerSystem.Reset");
            resetTarget = action.path("target").asText(system + "/Actions/ComputerSystem.Reset");
            List<String> types = new ArrayList<>();
            JsonNode allowed = action.path("ResetType@Redfish.AllowableValues");
            if (allowed.isMissingNode() && action.has("@Redfish.ActionInfo")) {
                for (JsonNode p : client.get(action.path("@Redfish.ActionInfo").asText()).path("Parameters")) {
                    if (p.path("Name").asText().equals("ResetType")) {
                        allowed = p.path("AllowableValues");
                    }
                }
            }
            allowed.forEach(v -> types.add(v.asText()));
            resetTypes = List.copyOf(types);
        }
        return resetTypes;
    }

    @Override
    public Optional<String> cannotSendNmi() {
        List<String> types = resetTypes();
        return types.contains("Nmi") ? Optional.empty() : Optional.of(client.describe() + " offers no Nmi reset for " + system
                + " (it lists " + (types.isEmpty() ? "no reset types" : String.join(", ", types)) + ")");
    }

    @Override
    public PowerState powerState() {
        state.require("powerState");
        String p = client.get(system).path("PowerState").asText("");
        return switch (p) {
            case "On", "PoweringOff" -> PowerState.ON;
            case "Off", "PoweringOn" -> PowerState.OFF;
            default -> throw new InfrastructureException("bmc", client.describe() + " reports PowerState '" + p + "' for " + system,
                    "look at the BMC");
        };
    }

    /** PowerCycle where offered, else ForceRestart (the same for the host: the running kernel is gone). */
    @Override
    public Instant powerCycle() {
        state.require("powerCycle");
        String type = resetTypes().contains("PowerCycle") ? "PowerCycle" : "ForceRestart";
        Instant at = Instant.now();
        reset(type);
        return at;
    }

    /** Never retried on a lost answer: a resend is another NMI (a 503 is a refusal, and is waited out). */
    @Override
    public List<Instant> nmiBurst(int count, Duration spacing) {
        state.require("nmiBurst");
        cannotSendNmi().ifPresent(why -> {
            throw new ConfigurationException(why, "use the host's IPMI BMC, or enable Nmi on the BMC");
        });
        List<Instant> sent = new ArrayList<>();
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long at = System.nanoTime();
            sent.add(Instant.now());
            reset("Nmi");
            next = at + spacing.toNanos();
        }
        return sent;
    }

    private void reset(String type) {
        resetTypes();
        client.post(resetTarget, JSON.createObjectNode().put("ResetType", type));
    }

    @Override
    public String describe() {
        return client.describe() + " (" + system + ", " + client.authentication() + ")";
    }

    @Override
    public void close() {
        if (state.closed()) {
            client.close();
        }
    }
}
