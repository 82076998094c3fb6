package io.kdumplab.harness.run;

import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.BmcEvent;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.util.List;

/**
 * What the BMC logged in its event log between the trigger and now (a diagnostic interrupt, a watchdog reset, a
 * machine check): evidence beside the console and the dump, for the report and the diagnosis. Reading it never
 * changes the verdict: the caller notes a failure and goes on.
 */
final class ReadEventLog implements Step<List<BmcEvent>> {
    private final int mark;

    ReadEventLog(int mark) {
        this.mark = mark;
    }

    @Override
    public String name() {
        return "event-log";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(60);
    }

    @Override
    public String component() {
        return "bmc";
    }

    @Override
    public List<BmcEvent> run(RunContext ctx, Deadline d) {
        try (Bmc bmc = ctx.device().freshBmc()) {
            List<BmcEvent> events = bmc.eventsAfter(mark);
            ctx.recorder().update(r -> r.bmcEvents = List.copyOf(events));
            ctx.info("BMC event log since the trigger: " + (events.isEmpty() ? "nothing" : events.size() + " entr"
                    + (events.size() == 1 ? "y" : "ies") + ": " + String.join("; ", events.stream().map(BmcEvent::describe).toList())));
            return events;
        }
    }
}
