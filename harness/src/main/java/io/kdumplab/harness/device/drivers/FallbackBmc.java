package io.kdumplab.harness.device.drivers;

import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.PowerState;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The host's second BMC, used because the preferred one could not be reached; says so with every description. */
final class FallbackBmc implements Bmc {
    private final Bmc delegate;
    private final String why;

    FallbackBmc(Bmc delegate, String why) {
        this.delegate = delegate;
        this.why = why;
    }

    @Override
    public PowerState powerState() {
        return delegate.powerState();
    }

    @Override
    public Instant powerCycle() {
        return delegate.powerCycle();
    }

    @Override
    public List<Instant> nmiBurst(int count, Duration spacing) {
        return delegate.nmiBurst(count, spacing);
    }

    @Override
    public Optional<String> cannotSendNmi() {
        return delegate.cannotSendNmi();
    }

    @Override
    public java.util.OptionalInt eventLogMark() {
        return delegate.eventLogMark();
    }

    @Override
    public List<io.kdumplab.harness.device.BmcEvent> eventsAfter(int mark) {
        return delegate.eventsAfter(mark);
    }

    @Override
    public Optional<String> standingInFor() {
        return Optional.of(why);
    }

    @Override
    public String describe() {
        return delegate.describe() + " (fallback)";
    }

    @Override
    public void close() {
        delegate.close();
    }
}
