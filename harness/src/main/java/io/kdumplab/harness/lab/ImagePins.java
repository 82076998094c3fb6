package io.kdumplab.harness.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image's pinned package names and versions ({@code lab/image/pins.env}): KEY=value lines, values may hold
 * spaces, comments kept. The text is part of the recipe's cache key, so moving a pin makes a new image.
 */
public record ImagePins(String resource, String text) {
    private static final Pattern LINE = Pattern.compile("(?m)^([A-Z_]+)=(.*)$");

    public static ImagePins fromResource(String resource) {
        return new ImagePins(resource, new String(ImageRecipe.read(resource), java.nio.charset.StandardCharsets.UTF_8));
    }

    public Map<String, String> values() {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher x = LINE.matcher(text);
        while (x.find()) {
            m.put(x.group(1), x.group(2).strip());
        }
        return m;
    }

    public String get(String key) {
        String v = values().get(key);
        if (v == null) {
            throw new IllegalStateException(resource + " has no " + key + "= line");
        }
        return v;
    }

    /** The same pins with one moved: as a maintainer would edit the file. */
    public ImagePins with(String key, String value) {
        if (!values().containsKey(key)) {
            throw new IllegalArgumentException(resource + " has no " + key + "= line to move");
        }
        return new ImagePins(resource, text.replaceAll("(?m)^" + key + "=.*$", Matcher.quoteReplacement(key + "=" + value)));
    }

    /** The kernels the recipe pins, by role. */
    public LabKernels kernels() {
        return new LabKernels(get("KERNEL_DEFAULT"), get("KERNEL_RT"), List.of(get("KERNELS_BISECT").split("\\s+")));
    }
}
