package io.kdumplab.harness.device.drivers;

import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import org.testng.annotations.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** A host's second BMC: used once the preferred cannot be reached, saying so; never covering a configuration problem. */
@Test(groups = "unit")
public class FallbackBmcTest {
    private static Bmc named(String name) {
        return new Bmc() {
            public PowerState powerState() {
                return PowerState.ON;
            }

            public Instant powerCycle() {
                return Instant.now();
            }

            public List<Instant> nmiBurst(int count, Duration spacing) {
                return List.of(Instant.now());
            }

            public String describe() {
                return name;
            }

            public void close() {}
        };
    }

    public void anUnreachablePreferredBmcIsReplacedAndNotAskedAgain() {
        AtomicInteger asked = new AtomicInteger();
        Device.BmcConnector c = Devices.withFallback(() -> {
            asked.incrementAndGet();
            throw new InfrastructureException("bmc", "Redfish BMC root@r:443: connection refused", "");
        }, () -> named("BMC admin@r:623"), "Redfish BMC root@r:443", "BMC admin@r:623");
        Bmc b = c.open();
        assertEquals(b.describe(), "BMC admin@r:623 (fallback)");
        assertEquals(b.standingInFor().orElseThrow(), "the preferred Redfish BMC root@r:443 could not be reached (bmc: Redfish BMC "
                + "root@r:443: connection refused); using BMC admin@r:623");
        c.open();
        assertEquals(asked.get(), 1, "the preferred BMC is not asked again by the same device");
    }

    public void aReachablePreferredBmcIsUsedAsItIs() {
        Bmc b = Devices.withFallback(() -> named("Redfish"), () -> named("IPMI"), "Redfish", "IPMI").open();
        assertEquals(b.describe(), "Redfish");
        assertTrue(b.standingInFor().isEmpty());
    }

    public void aConfigurationProblemOfThePreferredBmcIsReportedNotCovered() {
        Device.BmcConnector c = Devices.withFallback(() -> {
            throw new ConfigurationException("certificate does not match the pinned fingerprint", "check it");
        }, () -> named("IPMI"), "Redfish", "IPMI");
        expectThrows(ConfigurationException.class, c::open);
    }
}
