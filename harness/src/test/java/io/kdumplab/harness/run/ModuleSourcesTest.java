package io.kdumplab.harness.run;

import io.kdumplab.harness.lab.ImageRecipe;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/** The key the lab image prebuilds the spammer under is the one a run looks for. */
@Test(groups = "unit")
public class ModuleSourcesTest {
    @Test
    public void theImagesPrebuiltKeyIsTheRunsCacheKey() throws Exception {
        Path dir = Files.createTempDirectory("modules");
        Path extracted = ModuleSources.extract("printk_spammer", ModuleSources.SPAMMER, dir);
        String key = ModuleSources.shippedHash("printk_spammer", ModuleSources.SPAMMER);
        assertEquals(ModuleSources.cacheDir("printk_spammer", "6.1.0-57-amd64", extracted),
                ModuleSources.HOST_CACHE + "/printk_spammer/6.1.0-57-amd64-" + key);
        ImageRecipe recipe = ImageRecipe.debianGuest();
        assertEquals(recipe.environment().get("PREBUILT_MODULES"), "printk_spammer:" + key);
        assertEquals(recipe.environment().get("MODULE_CACHE"), ModuleSources.HOST_CACHE);
        assertTrue(recipe.resources().contains("modules-c/printk_spammer/printk_spammer.c"), "a changed source is a new image");
    }
}
