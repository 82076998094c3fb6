package io.kdumplab.harness.support;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

/**
 * Debian's chromium, headless, driven by Debian's chromedriver through Selenium (paths given: Selenium Manager never
 * downloads anything). Every page's console errors are collected: a JavaScript error on any page fails the test.
 */
public final class Browser implements AutoCloseable {
    private final ChromeDriver driver;
    private final List<String> errors = new ArrayList<>();

    public Browser() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    public WebDriver driver() {
        return driver;
    }

    /** Opens a page and notes its console errors so far. */
    public void open(String url) {
        driver.get(url);
        collectErrors();
    }

    public String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }

    /** The whole text content of the first element matching css (also what scrolled out of view). */
    public String textContent(String css) {
        Object o = ((JavascriptExecutor) driver).executeScript(
                "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
        return o == null ? null : o.toString();
    }

    public Object script(String js) {
        return ((JavascriptExecutor) driver).executeScript(js);
    }

    public String source() {
        return driver.getPageSource();
    }

    /** SEVERE console entries (JavaScript errors, failed loads) of every page opened so far. */
    public List<String> errors() {
        collectErrors();
        return List.copyOf(errors);
    }

    private void collectErrors() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(driver.getCurrentUrl() + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
