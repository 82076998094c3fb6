package io.kdumplab.harness.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each value of a YAML file sits (JSON pointer -> line:column), so a
 * validation error found after parsing can still name its line and column.
 */
public final class SourceLocations {
    private final Path file;
    private final Map<String, JsonLocation> byPointer = new HashMap<>();

    private SourceLocations(Path file) {
        this.file = file;
    }

    public static SourceLocations scan(Path file, String text) {
        SourceLocations s = new SourceLocations(file);
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    continue;
                }
                String pointer = p.getParsingContext().pathAsPointer().toString();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY || t.isScalarValue()) {
                    s.byPointer.putIfAbsent(pointer, p.currentTokenLocation());
                }
            }
        } catch (IOException ignored) {
            // syntax errors are reported by the real parse, with their own location
        }
        return s;
    }

    /** "file:line:column" of the value at pointer, or of its nearest ancestor that exists. */
    public String at(String pointer) {
        String p = pointer;
        while (true) {
            JsonLocation loc = byPointer.get(p);
            if (loc != null) {
                return file + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
            }
            if (p.isEmpty()) {
                return file + ":1:1";
            }
            int slash = p.lastIndexOf('/');
            p = slash <= 0 ? "" : p.substring(0, slash);
        }
    }
}
