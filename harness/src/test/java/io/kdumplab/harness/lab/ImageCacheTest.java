package io.kdumplab.harness.lab;

import org.testng.annotations.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;

/** The cache's logic with a tiny real recipe (a shell script): build once, reuse, detect corruption, rebuild. */
@Test(groups = "unit")
public class ImageCacheTest {
    private final ImageRecipe recipe = new ImageRecipe("test-recipe", "testrecipe/build.sh",
            List.of("testrecipe/build.sh"), Map.of(), null);

    @Test
    public void buildsOnceThenReusesAndRebuildsWhenTheDiskIsCorrupted() throws Exception {
        Path root = Files.createTempDirectory("imgcache");
        List<String> progress = new ArrayList<>();
        ImageCache cache = new ImageCache(root, progress::add, Duration.ofMinutes(1));

        GuestImage first = cache.ensure(recipe);
        assertEquals(first.kernel(), "test-kernel");
        assertEquals(Files.readString(root.resolve("builds")).trim(), "1");
        assertTrue(first.hostKeyFingerprint().startsWith("SHA256:"));

        GuestImage again = cache.ensure(recipe);
        assertEquals(again.dir(), first.dir());
        assertEquals(Files.readString(root.resolve("builds")).trim(), "1", "cached: no second build");

        byte[] original = Files.readAllBytes(first.disk());
        try (RandomAccessFile f = new RandomAccessFile(first.disk().toFile(), "rw")) {
            f.seek(1000);
            f.write(original[1000] ^ 0xff);
        }
        progress.clear();
        GuestImage rebuilt = cache.ensure(recipe);
        assertEquals(Files.readString(root.resolve("builds")).trim(), "2", "corruption detected and rebuilt");
        assertTrue(progress.stream().anyMatch(l -> l.contains("is corrupted") && l.contains("building it again")),
                progress.toString());
        assertNotEquals(Files.readAllBytes(rebuilt.disk()), original);
    }

    /**
     * A disk untouched since a matching hash is not hashed again; one written since is, even with its mtime put back
     * (ctime moves), and one changed within the racy window of its hash never gets a stamp.
     */
    @Test
    public void anUntouchedDiskIsNotHashedAgainAndAnyWriteIsSeen() throws Exception {
        Path root = Files.createTempDirectory("imgcache-stamp");
        List<String> progress = new ArrayList<>();
        ImageCache cache = new ImageCache(root, progress::add, Duration.ofMinutes(1));
        GuestImage img = cache.ensure(recipe);
        Path stamp = img.dir().resolve(VerifiedStamp.FILE);
        assertTrue(!Files.exists(stamp), "the disk was written just before its hash (racy): no stamp");

        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(img.disk(), old);
        Thread.sleep(VerifiedStamp.RACY.toMillis() + 100); // the ctime just set must age past the racy window
        progress.clear();
        cache.ensure(recipe);
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("verifying cached image")), progress.toString());
        assertTrue(Files.exists(stamp), "a matching hash of a settled disk is recorded");

        progress.clear();
        cache.ensure(recipe);
        assertTrue(progress.isEmpty(), "untouched since its hash: not hashed again: " + progress);

        byte[] original = Files.readAllBytes(img.disk());
        try (RandomAccessFile f = new RandomAccessFile(img.disk().toFile(), "rw")) {
            f.seek(10);
            f.write(original[10] ^ 0xff);
        }
        Files.setLastModifiedTime(img.disk(), old);
        progress.clear();
        cache.ensure(recipe);
        assertTrue(progress.stream().anyMatch(l -> l.contains("is corrupted")), "a write with its mtime put back: " + progress);
        assertEquals(Files.readString(root.resolve("builds")).trim(), "2", "rebuilt");
    }

    @Test
    public void recipeHashChangesWithTheRecipe() {
        ImageRecipe other = new ImageRecipe("test-recipe", "testrecipe/build.sh", List.of("testrecipe/build.sh"),
                Map.of("LAB_DISK_MB", "4096"), null);
        assertNotEquals(recipe.hash(), other.hash());
        assertEquals(recipe.hash(), recipe.hash());
    }

    @Test
    public void movingAnyPinMovesTheCacheKeyAndTheKernelsByRole() {
        ImageRecipe guest = ImageRecipe.debianGuest();
        LabKernels k = guest.pins().kernels();
        assertTrue(k.defaultKernel().endsWith("-amd64") && !k.defaultKernel().contains("-rt-"), k.toString());
        assertTrue(k.rt().endsWith("-rt-amd64"), k.toString());
        assertEquals(k.bisection().size(), 3, k.toString());
        for (String key : guest.pins().values().keySet()) {
            ImageRecipe moved = guest.withPin(key, guest.pins().get(key) + "x");
            assertNotEquals(moved.hash(), guest.hash(), "moving " + key + " must change the cache key");
        }
        ImageRecipe newer = guest.withPin("KERNEL_DEFAULT", "9.9.9-1-amd64");
        assertEquals(newer.pins().kernels().defaultKernel(), "9.9.9-1-amd64");
        assertEquals(newer.pins().kernels().rt(), k.rt(), "only the moved pin moves");
    }

    @Test
    public void theExtractedRecipeCarriesTheMovedPins() throws Exception {
        Path dir = Files.createTempDirectory("recipe");
        ImageRecipe.debianGuest().withPin("KERNEL_RT", "9.9.9-1-rt-amd64").extractTo(dir);
        String text = Files.readString(dir.resolve("lab/image/pins.env"));
        assertTrue(text.contains("\nKERNEL_RT=9.9.9-1-rt-amd64\n"), text);
        assertTrue(text.contains("# "), "comments kept");
    }
}
