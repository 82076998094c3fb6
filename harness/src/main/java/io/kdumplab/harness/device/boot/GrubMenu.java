package io.kdumplab.harness.device.boot;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** grub.cfg's menu, read the way grub-reboot addresses it: "submenu-id>entry-id". */
public final class GrubMenu {
    private static final Pattern ENTRY = Pattern.compile(
            "^\\s*(menuentry|submenu)\\s+'([^']*)'.*?\\$menuentry_id_option\\s+'([^']+)'.*\\{\\s*$");

    private GrubMenu() {}

    /** The id path of the (non-recovery) entry that boots vmlinuz-release. */
    public static Optional<String> entryFor(String grubCfg, String release) {
        Deque<String> path = new ArrayDeque<>();
        Deque<Boolean> isSubmenu = new ArrayDeque<>();
        for (String line : grubCfg.split("\n")) {
            Matcher m = ENTRY.matcher(line);
            if (m.matches()) {
                String title = m.group(2);
                String id = m.group(3);
                if (m.group(1).equals("submenu")) {
                    path.addLast(id);
                    isSubmenu.addLast(true);
                    continue;
                }
                boolean ours = (title.endsWith("with Linux " + release) || id.startsWith("gnulinux-" + release + "-advanced-"))
                        && !title.contains("recovery");
                if (ours) {
                    StringBuilder full = new StringBuilder();
                    for (String p : path) {
                        full.append(p).append('>');
                    }
                    return Optional.of(full.append(id).toString());
                }
                isSubmenu.addLast(false);
            } else if (line.strip().equals("}") && !isSubmenu.isEmpty()) {
                if (isSubmenu.removeLast()) {
                    path.removeLast();
                }
            }
        }
        return Optional.empty();
    }
}
