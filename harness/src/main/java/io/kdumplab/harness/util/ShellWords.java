package io.kdumplab.harness.util;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting for arguments the harness puts on a remote command line. */
public final class ShellWords {
    private ShellWords() {}

    /** One word, quoted only when it needs to be. */
    public static String quote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_./,:=+@%-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    public static String join(List<String> words) {
        return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }
}
