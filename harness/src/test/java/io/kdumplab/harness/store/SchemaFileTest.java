package io.kdumplab.harness.store;

import org.testng.annotations.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * db/schema.sql is run statement by statement, split where a line ends in ';' (as Database does): a statement that
 * lacks its ';' swallows the next one, and every orchestrator then fails at start. Checked here, without a database.
 */
@Test(groups = "unit")
public class SchemaFileTest {
    @Test
    public void everyStatementEndsWithItsSemicolon() throws Exception {
        String sql;
        try (InputStream in = Database.class.getClassLoader().getResourceAsStream("db/schema.sql")) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> statements = Arrays.stream(sql.split(";\\s*\\n")).map(s -> s.replaceAll("(?m)^--.*$", "").strip())
                .filter(s -> !s.isEmpty()).toList();
        assertTrue(statements.size() > 10, "statements: " + statements.size());
        for (String s : statements) {
            String rest = s.substring(s.indexOf('\n') + 1).toLowerCase(java.util.Locale.ROOT);
            assertFalse(s.contains("\n") && rest.matches("(?sm).*^\\s*(create|alter|insert|update|drop) .*") && !s.startsWith("update")
                    && !s.startsWith("insert"), "two statements run as one (a ';' is missing):\n" + s);
            assertFalse(s.endsWith(";"), "a statement with a ';' the split did not take:\n" + s);
        }
    }
}
