package io.kdumplab.harness.run;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The scenario's sysctls (the NMI panic switches), each read back; originals go to the undo log first. */
final class ApplySysctls implements Step<Map<String, String>> {
    @Override
    public String name() {
        return "sysctls";
    }

    @Override
    public Duration timeout(RunContext ctx) {
        return Duration.ofSeconds(60);
    }

    @Override
    public String component() {
        return "ssh";
    }

    @Override
    public Map<String, String> run(RunContext ctx, Deadline d) {
        Map<String, String> applied = new LinkedHashMap<>();
        var shell = ctx.device().shell();
        for (Map.Entry<String, String> e : ctx.scenario().sysctls().entrySet()) {
            CommandResult before = shell.run("sysctl -n " + e.getKey(), Duration.ofSeconds(15));
            if (!before.ok()) {
                ctx.recorder().note("sysctl " + e.getKey() + " does not exist on this kernel; skipped");
                continue;
            }
            ctx.undo().sysctlChanged(e.getKey(), before.out());
            ctx.recorder().update(r -> r.sysctlsOriginal.put(e.getKey(), before.out()));
            ctx.device().root("sysctl -qw " + e.getKey() + "=" + e.getValue(), Duration.ofSeconds(15));
            String now = shell.check("sysctl -n " + e.getKey(), Duration.ofSeconds(15));
            if (!now.equals(e.getValue())) {
                throw new InfrastructureException("host", "sysctl " + e.getKey() + " reads back " + now + " after writing "
                        + e.getValue(), "check whether the kernel accepts this value");
            }
            applied.put(e.getKey(), now);
            ctx.recorder().update(r -> r.sysctlsApplied.put(e.getKey(), now));
        }
        ctx.info("sysctls applied and read back: " + applied);
        return applied;
    }
}
