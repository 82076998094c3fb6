package io.kdumplab.harness.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kdumplab.harness.failure.ConfigurationException;

import java.nio.file.Path;

/**
 * The one way a configuration file (inventory, scenario, nightly plan) is first read: its YAML syntax, with a
 * syntax error reported as file:line:column and what the parser expected, before any field is looked at.
 */
public final class YamlSource {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private YamlSource() {}

    /** The document as a tree (null for an empty file), or a ConfigurationException naming where the syntax breaks. */
    public static JsonNode syntax(Path file, String text) {
        try {
            return YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigurationException(where(file, e.getLocation()) + ": not valid YAML: "
                    + firstLine(e.getOriginalMessage()), "fix the syntax at that line");
        }
    }

    public static String where(Path file, JsonLocation l) {
        return l == null || l.getLineNr() < 1 ? file + ":1:1" : file + ":" + l.getLineNr() + ":" + Math.max(1, l.getColumnNr());
    }

    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").strip();
    }
}
