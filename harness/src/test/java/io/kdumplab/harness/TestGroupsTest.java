package io.kdumplab.harness;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

import static org.testng.Assert.assertTrue;

/**
 * Every test class carries its group, so that -Dgroups / -DexcludedGroups select as the README says: unit classes
 * (`*Test`, surefire, no lab) are in "unit"; integration classes (`*IT`, failsafe) are in "lab", or in "db" when
 * they need PostgreSQL but not the lab. Prints the list.
 */
@Test(groups = "unit")
public class TestGroupsTest {
    @Test
    public void everyTestClassHasItsGroup() {
        var classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.kdumplab.harness");
        TreeMap<String, List<String>> groups = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (JavaClass c : classes) {
            boolean hasTests = c.getMethods().stream().anyMatch(m -> m.isAnnotatedWith(Test.class)) || c.isAnnotatedWith(Test.class);
            if (!hasTests || c.isNestedClass() || c.isAnonymousClass()) {
                continue;
            }
            List<String> g = c.isAnnotatedWith(Test.class)
                    ? Arrays.asList(c.getAnnotationOfType(Test.class).groups()) : List.of();
            groups.put(c.getSimpleName(), g);
            String name = c.getSimpleName();
            if (name.endsWith("IT") ? !(g.contains("lab") || g.contains("db")) : !(name.endsWith("Test") && g.contains("unit"))) {
                wrong.add(name + " " + g + (name.endsWith("IT") ? " (needs group lab, or db for database-only classes)"
                        : " (needs a *Test name and group unit)"));
            }
        }
        groups.forEach((k, v) -> System.err.println("test class " + k + " groups " + v));
        assertTrue(groups.size() > 20, "found the test classes: " + groups.keySet());
        assertTrue(wrong.isEmpty(), "test classes without their group: " + wrong);
    }
}
