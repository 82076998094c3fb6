package io.kdumplab.harness.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bisections under the reports root, as each one's own `bisect.json` states it (written by the bisection after
 * every event: status, the current interval's builds with their probability of being the first bad one, trials,
 * machine time, the answer): read as data, so the web view needs nothing of the bisection's code.
 */
final class Bisections {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEPTH = 3;

    private Bisections() {}

    /** Each bisection's state with `dir` (relative to the root) added; newest update first. */
    static List<JsonNode> under(Path root) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.find(root, DEPTH, (p, a) -> a.isRegularFile() && p.getFileName().toString().equals("bisect.json"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    JsonNode n = JSON.readTree(f.toFile());
                    if (n instanceof ObjectNode o && n.path("schema").asText().startsWith("kdump-harness/bisect/")) {
                        o.put("dir", root.relativize(f.getParent()).toString());
                        out.add(o);
                    }
                } catch (IOException e) {
                    // being rewritten (atomically, so only a moment): the next request sees it
                }
            }
        }
        out.sort(Comparator.comparing((JsonNode n) -> n.path("updatedAt").asText()).reversed());
        return out;
    }
}
