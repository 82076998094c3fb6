package io.kdumplab.harness.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kdumplab.harness.builds.BuildList;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.inventory.Inventory;
import io.kdumplab.harness.config.SourceLocations;
import io.kdumplab.harness.run.ScenarioLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads nightly.yaml and checks everything that can be checked before a night
 * starts: fields and types, hosts against the inventory, kernel sources
 * (releases by name, series and artifacts as builds `bisect` accepts),
 * scenarios. Every problem is reported at once, each as file:line:column.
 */
public final class PlanLoader {
    /** The named scenarios; anything else must be a scenario file (relative to the plan). */
    public static final List<String> NAMED_SCENARIOS = io.kdumplab.harness.run.Scenario.NAMED;
    private static final Set<String> TOP = Set.of("name", "inventory", "budget", "repeats", "hosts", "kernels", "scenarios", "hang_after");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([hms])");
    private static final Pattern RELEASE = Pattern.compile("[A-Za-z0-9._+~-]+");

    private PlanLoader() {}

    public static NightlyPlan load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read nightly plan " + file + ": " + e.getMessage(), "check the path");
        }
        JsonNode root = io.kdumplab.harness.config.YamlSource.syntax(file, text);
        SourceLocations at = SourceLocations.scan(file, text);
        List<String> errors = new ArrayList<>();
        if (!(root instanceof ObjectNode top)) {
            throw new ConfigurationException(file + ":1:1: a nightly plan is a mapping (name, hosts, kernels, scenarios, ...)",
                    "see README, Nightly, for an example plan");
        }
        for (Iterator<String> it = top.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP.contains(f)) {
                errors.add(at.at("/" + f) + ": unknown field '" + f + "' (expected one of " + new java.util.TreeSet<>(TOP) + ")");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        String name = text(top, "name", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        if (!name.matches("[A-Za-z0-9._-]+")) {
            errors.add(at.at("/name") + ": name '" + name + "' may hold letters, digits, '.', '_' and '-' only");
        }
        Duration budget = duration(top, "budget", Duration.ofHours(10), at, errors);
        // the console silence after the trigger that counts as a hang (repro --hang-after)
        Duration hangAfter = duration(top, "hang_after", Duration.ofSeconds(60), at, errors);
        if (hangAfter.isZero()) {
            errors.add(at.at("/hang_after") + ": hang_after must be positive");
        }
        int repeats = 1;
        if (top.has("repeats")) {
            JsonNode r = top.get("repeats");
            if (!r.canConvertToInt() || r.asInt() < 1 || r.asInt() > 100) {
                errors.add(at.at("/repeats") + ": repeats must be a whole number 1..100, got '" + r.asText() + "'");
            } else {
                repeats = r.asInt();
            }
        }
        Path inventoryFile = top.has("inventory") ? base.resolve(top.get("inventory").asText()) : null;
        Inventory inventory = null;
        if (inventoryFile != null) {
            try {
                inventory = Inventory.load(inventoryFile);
            } catch (ConfigurationException e) {
                errors.add(at.at("/inventory") + ": " + e.getMessage());
            }
        }
        List<NightlyPlan.Host> hosts = hosts(top, at, inventory, inventoryFile, errors);
        List<NightlyPlan.Kernel> kernels = kernels(top, at, base, errors);
        List<String> scenarios = scenarios(top, at, base, errors);
        if (!errors.isEmpty()) {
            throw new ConfigurationException("nightly plan " + file + " has " + errors.size() + " problem(s):\n  "
                    + String.join("\n  ", errors), "fix them; nothing was queued or run");
        }
        return new NightlyPlan(name, file.toAbsolutePath(), inventoryFile, budget, hangAfter, repeats, hosts, kernels, scenarios);
    }

    private static List<NightlyPlan.Host> hosts(ObjectNode top, SourceLocations at, Inventory inv, Path invFile,
                                                List<String> errors) {
        List<NightlyPlan.Host> out = new ArrayList<>();
        JsonNode list = top.get("hosts");
        if (list == null || !list.isArray() || list.isEmpty()) {
            errors.add(at.at("/hosts") + ": 'hosts' must list at least one host (an inventory name, or virtual-lab)");
            return out;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode h = list.get(i);
            String p = "/hosts/" + i;
            String lab = h.isObject() ? text(h, "lab", "default") : "default";
            if (!lab.matches("[A-Za-z0-9._-]+")) {
                errors.add(at.at(p + "/lab") + ": lab '" + lab + "' may hold letters, digits, '.', '_' and '-' only");
            }
            String tag = h.isObject() ? text(h, "tag", null) : null;
            String name = h.isTextual() ? h.asText() : text(h, "name", null);
            if ((tag == null) == (name == null)) {
                errors.add(at.at(p) + ": a host entry is an inventory host name or {name: ..., lab: ...} or {tag: ..., lab: ...}");
                continue;
            }
            if (tag != null) {
                // a group: every inventory host with the tag, in inventory order
                List<String> tagged = inv == null ? List.of() : inv.hostsTagged(tag);
                if (tagged.isEmpty()) {
                    errors.add(at.at(p + "/tag") + ": no host has tag '" + tag + "' ("
                            + (inv == null ? "tags come from the inventory, and the plan names none"
                            : "tags in " + invFile + ": " + (inv.tags().isEmpty() ? "none" : String.join(", ", inv.tags()))) + ")");
                }
                for (String n : tagged) {
                    if (seen.add(n)) {
                        out.add(new NightlyPlan.Host(n, lab));
                    } else if (out.stream().anyMatch(x -> x.name().equals(n) && !x.lab().equals(lab))) {
                        errors.add(at.at(p) + ": host '" + n + "' (tag " + tag + ") is already in the plan with another lab");
                    }
                }
                continue;
            }
            boolean known = inv != null ? inv.hostNames().contains(name) : name.equals("virtual-lab");
            if (!known) {
                errors.add(at.at(h.isTextual() ? p : p + "/name") + ": unknown host '" + name + "' ("
                        + (inv != null ? "hosts in " + invFile + ": " + String.join(", ", inv.hostNames())
                        : "without 'inventory:' the only host is virtual-lab") + ")");
            }
            if (!seen.add(name)) {
                errors.add(at.at(p) + ": host '" + name + "' is listed twice");
                continue;
            }
            out.add(new NightlyPlan.Host(name, lab));
        }
        return out;
    }

    private static List<NightlyPlan.Kernel> kernels(ObjectNode top, SourceLocations at, Path base, List<String> errors) {
        List<NightlyPlan.Kernel> out = new ArrayList<>();
        JsonNode list = top.get("kernels");
        if (list == null || !list.isArray() || list.isEmpty()) {
            errors.add(at.at("/kernels") + ": 'kernels' must list at least one kernel (release: ..., or series: DIR)");
            return out;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode k = list.get(i);
            String p = "/kernels/" + i;
            if (k.isTextual()) {
                k = YAMLMapper.builder().build().createObjectNode().put("release", k.asText());
            }
            String release = text(k, "release", null);
            String series = text(k, "series", null);
            String artifacts = text(k, "artifacts", null);
            String name = text(k, "name", release != null ? release : series != null ? Path.of(series).getFileName().toString() : null);
            for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("name", "release", "series", "artifacts").contains(f)) {
                    errors.add(at.at(p + "/" + f) + ": unknown field '" + f + "' in a kernel (name, release, series, artifacts)");
                }
            }
            if ((release == null) == (series == null)) {
                errors.add(at.at(p) + ": a kernel has either 'release' (an installed kernel, or one in 'artifacts') or 'series'"
                        + " (a builds directory: the newest build each night)");
                continue;
            }
            if (release != null && !RELEASE.matcher(release).matches()) {
                errors.add(at.at(p + "/release") + ": '" + release + "' is not a kernel release (as `uname -r` prints it)");
            }
            Path seriesPath = null;
            if (series != null) {
                seriesPath = base.resolve(series);
                try {
                    BuildList b = BuildList.loadAny(seriesPath);
                    if (b.size() == 0) {
                        errors.add(at.at(p + "/series") + ": series " + seriesPath + " has no builds");
                    }
                } catch (ConfigurationException e) {
                    errors.add(at.at(p + "/series") + ": " + e.getMessage());
                }
            }
            Path artifactsPath = null;
            if (artifacts != null) {
                artifactsPath = base.resolve(artifacts);
                try {
                    BuildList b = BuildList.loadAny(artifactsPath);
                    if (release != null && b.builds().stream().noneMatch(x -> x.kernelRelease().equals(release))) {
                        errors.add(at.at(p + "/artifacts") + ": " + artifactsPath + " has no build of " + release);
                    }
                } catch (ConfigurationException e) {
                    errors.add(at.at(p + "/artifacts") + ": " + e.getMessage());
                }
            }
            if (name != null && !names.add(name)) {
                errors.add(at.at(p) + ": kernel name '" + name + "' is used twice");
            }
            out.add(new NightlyPlan.Kernel(name, release, seriesPath, artifactsPath));
        }
        return out;
    }

    private static List<String> scenarios(ObjectNode top, SourceLocations at, Path base, List<String> errors) {
        List<String> out = new ArrayList<>();
        JsonNode list = top.get("scenarios");
        if (list == null) {
            out.add("seed");
            return out;
        }
        if (!list.isArray() || list.isEmpty()) {
            errors.add(at.at("/scenarios") + ": 'scenarios' must list scenario names " + NAMED_SCENARIOS + " or scenario files");
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            String s = list.get(i).asText();
            if (!NAMED_SCENARIOS.contains(s)) {
                Path f = base.resolve(s);
                if (!Files.isRegularFile(f)) {
                    errors.add(at.at("/scenarios/" + i) + ": unknown scenario '" + s + "' (named: " + String.join(", ", NAMED_SCENARIOS)
                            + "; or a scenario file, and " + f + " does not exist)");
                    continue;
                }
                try {
                    ScenarioLoader.load(f);
                } catch (ConfigurationException e) {
                    errors.add(at.at("/scenarios/" + i) + ": " + e.getMessage());
                    continue;
                }
            }
            if (out.contains(s)) {
                errors.add(at.at("/scenarios/" + i) + ": scenario '" + s + "' is listed twice");
            }
            out.add(s);
        }
        return out;
    }

    private static Duration duration(ObjectNode top, String field, Duration dflt, SourceLocations at, List<String> errors) {
        if (!top.has(field)) {
            return dflt;
        }
        Matcher m = DURATION.matcher(top.get(field).asText().trim());
        if (!m.matches()) {
            errors.add(at.at("/" + field) + ": " + field + " '" + top.get(field).asText() + "' is not a duration (e.g. 8h, 90m, 45s)");
            return dflt;
        }
        double v = Double.parseDouble(m.group(1));
        return Duration.ofSeconds((long) (v * switch (m.group(2)) {
            case "h" -> 3600;
            case "m" -> 60;
            default -> 1;
        }));
    }

    private static String text(JsonNode n, String field, String dflt) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? dflt : v.asText();
    }
}
