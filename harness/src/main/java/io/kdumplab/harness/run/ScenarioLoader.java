package io.kdumplab.harness.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kdumplab.harness.failure.ConfigurationException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A scenario file overrides the seed's defaults field by field (deep merge),
 * so a file may say only `nmi: {count: 2}`. Errors carry file:line:column.
 */
public final class ScenarioLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScenarioLoader() {}

    public static Scenario load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read scenario " + file + ": " + e.getMessage(), "check the --scenario path");
        }
        io.kdumplab.harness.config.YamlSource.syntax(file, text);
        YAMLMapper yaml = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        try {
            // a located parse first, so unknown keys and wrong types carry line:column
            yaml.readValue(text.isBlank() ? "{}" : text, ScenarioShape.class);
            JsonNode override = yaml.readTree(text);
            ObjectNode base = JSON.valueToTree(Scenario.seed());
            if (override != null && !override.isNull()) {
                merge(base, override);
            }
            Scenario s = yaml.treeToValue(base, Scenario.class);
            validate(file, s);
            return s;
        } catch (UnrecognizedPropertyException e) {
            StringBuilder pointer = new StringBuilder();
            e.getPath().forEach(r -> pointer.append('/').append(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex())));
            throw new ConfigurationException(io.kdumplab.harness.config.SourceLocations.scan(file, text).at(pointer.toString())
                    + ": unknown field '" + e.getPropertyName() + "'", "expected one of: " + e.getKnownPropertyIds());
        } catch (JsonProcessingException e) {
            var l = e.getLocation();
            throw new ConfigurationException(file + ":" + (l == null ? "1:1" : l.getLineNr() + ":" + l.getColumnNr()) + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""), "see README, section Scenarios");
        }
    }

    /** Field names only, for locating unknown keys. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ScenarioShape(String name, String trigger, SpammerShape spammer, java.util.Map<String, String> sysctls,
                         NmiShape nmi, WedgeShape wedge, Scenario.Timeouts timeouts) {}

    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    record SpammerShape(Boolean enabled, Integer threads, Integer intervalUs, Integer msgLen, Integer loglevel) {}

    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    record NmiShape(Integer count, Integer spacingMs) {}

    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WedgeShape(Boolean enabled, Integer probability) {}

    private static void merge(ObjectNode base, JsonNode override) {
        override.fields().forEachRemaining(e -> {
            JsonNode b = base.get(e.getKey());
            if (b instanceof ObjectNode bo && e.getValue().isObject() && !e.getKey().equals("sysctls")) {
                merge(bo, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        });
    }

    public static void validate(Path file, Scenario s) {
        List<String> errors = new ArrayList<>();
        String where = file == null ? "scenario" : file.toString();
        Scenario.Spammer sp = s.spammer();
        if (sp.threads() < 1 || sp.threads() > 64) {
            errors.add("spammer.threads must be 1..64, got " + sp.threads());
        }
        if (sp.intervalUs() < 10) {
            errors.add("spammer.interval_us must be >= 10, got " + sp.intervalUs());
        }
        if (sp.msgLen() < 40 || sp.msgLen() > 1000) {
            errors.add("spammer.msg_len must be 40..1000, got " + sp.msgLen());
        }
        if (sp.loglevel() < 0 || sp.loglevel() > 7) {
            errors.add("spammer.loglevel must be 0..7, got " + sp.loglevel());
        }
        if (s.nmi().count() < 1 || s.nmi().count() > 10) {
            errors.add("nmi.count must be 1..10, got " + s.nmi().count());
        }
        if (s.nmi().spacingMs() < 0 || s.nmi().spacingMs() > 60_000) {
            errors.add("nmi.spacing_ms must be 0..60000, got " + s.nmi().spacingMs());
        }
        if (s.wedge().probability() < 0 || s.wedge().probability() > 100) {
            errors.add("wedge.probability must be 0..100, got " + s.wedge().probability());
        }
        s.sysctls().keySet().forEach(k -> {
            if (!k.matches("[a-z0-9_.]+")) {
                errors.add("sysctl name '" + k + "' is not valid");
            }
        });
        if (!errors.isEmpty()) {
            throw new ConfigurationException(where + ": " + String.join("; ", errors), "fix the scenario values");
        }
    }
}
