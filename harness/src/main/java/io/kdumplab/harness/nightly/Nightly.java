package io.kdumplab.harness.nightly;

import io.kdumplab.harness.inventory.VirtualLabs;
import io.kdumplab.harness.store.Database;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** What the `nightly` commands do, given an open database: enqueue, work, report. */
public final class Nightly {
    private final Database db;
    private final NightStore store;
    private final Consumer<String> log;

    public Nightly(Database db, Consumer<String> log) {
        this.db = db;
        this.store = new NightStore(db);
        this.log = log;
    }

    public NightStore store() {
        return store;
    }

    /** Records the night (idempotent) with tonight's build of each kernel column; returns the night id. */
    public String enqueue(NightlyPlan plan, LocalDate night) {
        Map<String, String> builds = new LinkedHashMap<>();
        for (NightlyPlan.Kernel k : plan.kernels()) {
            builds.put(k.name(), LabCells.buildOf(k));
        }
        boolean fresh = store.enqueue(plan, night, builds);
        String id = NightStore.nightId(plan.name(), night);
        log.accept((fresh ? "enqueued " : "already enqueued (not again): ") + id + ", " + plan.cells().size() + " cell(s), builds "
                + builds);
        return id;
    }

    /** Cell runners per night: the real lab (plan from the night's record) or simulated sleeps. */
    public NightlyEngine.Runners runners(VirtualLabs labs, Path reports, Duration simulatedCell, Path events) {
        Map<String, Object> cache = new ConcurrentHashMap<>();
        return new NightlyEngine.Runners() {
            private Object of(String nightId) {
                return cache.computeIfAbsent(nightId, id -> {
                    if (simulatedCell != null) {
                        return new SimulatedCells(simulatedCell, events, NightlyEngine.orchestratorName());
                    }
                    NightStore.Night n = store.night(id);
                    NightlyPlan plan = PlanLoader.load(Path.of(n.planFile()));
                    return new LabCells(plan, labs, reports.resolve("nightly").resolve(id).resolve("runs"), log);
                });
            }

            @Override
            public CellRunner runner(String nightId) {
                return (CellRunner) of(nightId);
            }

            @Override
            public HostControl control(String nightId) {
                return (HostControl) of(nightId);
            }

            @Override
            public String orchestratorProblem() {
                if (reports == null) {
                    return null;
                }
                try {
                    io.kdumplab.harness.run.PlanCheck.requireFreeSpace(reports, io.kdumplab.harness.run.ReportsStorage.MIN_FREE_BYTES);
                    return null;
                } catch (io.kdumplab.harness.failure.ConfigurationException e) {
                    return e.getMessage();
                }
            }
        };
    }

    /** The night's comparison with earlier nights, and its report files; the number of regressions. */
    public NightReport.Written report(String nightId, Path out) {
        NightStore.Night n = store.night(nightId);
        if (n == null) {
            throw new io.kdumplab.harness.failure.ConfigurationException("no night " + nightId + " in " + db.describe(),
                    "nights are named PLAN/YYYY-MM-DD; see `nightly status`");
        }
        List<CellRow> cells = store.cells(nightId, null);
        List<Regressions.Row> rows = Regressions.compare(cells,
                c -> store.earlierNights(n.plan(), n.night(), c.host(), c.kernel(), c.scenario()));
        Map<String, java.util.Optional<HostHealth>> health = new LinkedHashMap<>();
        cells.stream().map(CellRow::host).distinct().forEach(h -> health.put(h, store.health(h)));
        NightReport.Written w = NightReport.write(out, nightId, rows, health, store.attempts(nightId));
        for (Regressions.Row r : rows) {
            if (r.status() != Regressions.Status.PASS) {
                log.accept(r.status() + " " + r.host() + " / " + r.kernel() + " / " + r.scenario() + ": " + r.statement());
            }
        }
        return w;
    }
}
