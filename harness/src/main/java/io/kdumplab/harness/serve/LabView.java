package io.kdumplab.harness.serve;

import io.kdumplab.harness.store.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the web view and the API show, read from the nightly database (the same tables the orchestrators write): hosts
 * with their health, lease and queue; nights and their cells; the history of runs. Read-only: every statement is a
 * select. The records are the API's JSON shapes (field names are part of the API).
 */
public final class LabView {
    /** A run's id as the harness names its directory (date-time, host, random). */
    static final Pattern RUN_ID = Pattern.compile("\\d{8}-\\d{6}-[A-Za-z0-9._-]+-[0-9a-f]{12}");

    /**
     * Who holds a host; `runId`: the run it holds it for now (announced by the run at its start), or null; `runDir`:
     * where that run writes, on the orchestrator's machine (never served: the API addresses runs by id).
     */
    public record Lease(String holder, String kind, long token, Instant since, Instant expires, String runId,
                        @com.fasterxml.jackson.annotation.JsonIgnore String runDir) {}

    public record Waiter(int position, String holder, String kind, Instant since) {}

    /** `live`: the run in progress on it (its current step), when the server can read its directory. */
    public record Host(String name, Boolean healthy, String healthReason, Instant healthSince, Lease lease,
                       List<Waiter> queue, List<Run> lastRuns, LiveRuns.Live live) {
        Host withLive(LiveRuns.Live l) {
            return new Host(name, healthy, healthReason, healthSince, lease, queue, lastRuns, l);
        }
    }

    public record Night(String id, String plan, String night, Instant deadline, Map<String, Integer> cells,
                        Map<String, Integer> verdicts) {}

    public record Cell(String key, String host, String kernel, String build, String scenario, int repeat, String state,
                       String verdict, String reason, String diagnosis, int attempts, String runId,
                       List<Attempt> attemptHistory) {}

    /** One attempt at a cell, the interrupted ones of a dead orchestrator included (its take-over shows here). */
    public record Attempt(String holder, long leaseToken, String state, String verdict, String reason, String runId,
                          Instant started, Instant ended) {}

    public record Run(String source, String nightId, String host, String kernel, String build, String scenario,
                      String verdict, String reason, String runId, Instant at) {}

    /**
     * One cell key of a night compared with earlier nights of its plan (the morning report's content): REGRESSION
     * first; tonight's verdicts and earlier ones by run id, the FAILs grouped by diagnosis.
     */
    public record Comparison(String host, String kernel, String scenario, String status, String statement,
                             List<Verdict> tonight, List<String> failDiagnoses, List<EarlierVerdict> earlier) {}

    public record Verdict(String verdict, String build, String runId) {}

    public record EarlierVerdict(String night, String verdict, String build, String runId) {}

    /** The filters of the runs list; null: any. */
    public record RunFilter(String host, String kernel, String scenario, String verdict, String source, Instant since,
                            int limit) {}

    private final Database db;

    public LabView(Database db) {
        this.db = db;
    }

    /** Every host the database knows, in five statements whatever their number (the page is read while a night runs). */
    public List<Host> hosts() throws SQLException {
        Map<String, Object[]> health = new LinkedHashMap<>();
        Map<String, Lease> leases = new LinkedHashMap<>();
        Map<String, List<Waiter>> queues = new LinkedHashMap<>();
        Map<String, List<Run>> lastRuns = new LinkedHashMap<>();
        List<String> names;
        try (Connection c = db.connection()) {
            names = strings(c, "select host from host_health union select host from host_lease union select host from "
                    + "lease_request union select host from cell union select host from run_history order by 1");
            try (PreparedStatement ps = c.prepareStatement("select host, healthy, reason, since from host_health");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    health.put(rs.getString(1), new Object[] {rs.getBoolean(2), rs.getString(3), instant(rs.getTimestamp(4))});
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select host, holder, kind, token, acquired_at, expires_at, run_id,"
                    + " run_dir from host_lease where expires_at > now()"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leases.put(rs.getString(1), new Lease(rs.getString(2), rs.getString(3), rs.getLong(4),
                            instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)), rs.getString(7), rs.getString(8)));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select host, holder, kind, requested_at from lease_request "
                    + "order by host, requested_at, id"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<Waiter> q = queues.computeIfAbsent(rs.getString(1), k -> new ArrayList<>());
                    q.add(new Waiter(q.size() + 1, rs.getString(2), rs.getString(3), instant(rs.getTimestamp(4))));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select source, night_id, host, kernel, build, scenario, verdict, "
                    + "reason, report, at from (select *, row_number() over (partition by host order by at desc, id desc) n "
                    + "from run_history) h where n <= 5 order by host, at desc, id desc"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lastRuns.computeIfAbsent(rs.getString(3), k -> new ArrayList<>()).add(run(rs));
                }
            }
        }
        List<Host> out = new ArrayList<>();
        for (String h : names) {
            Object[] hh = health.get(h);
            out.add(new Host(h, hh == null ? null : (Boolean) hh[0], hh == null ? null : (String) hh[1],
                    hh == null ? null : (Instant) hh[2], leases.get(h), queues.getOrDefault(h, List.of()),
                    lastRuns.getOrDefault(h, List.of()), null));
        }
        return out;
    }

    public List<Night> nights() throws SQLException {
        List<Night> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("select id, plan_name, night, deadline from night order by night desc, id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                out.add(new Night(id, rs.getString(2), rs.getDate(3).toString(), instant(rs.getTimestamp(4)),
                        counts(c, "select state, count(*) from cell where night_id = ? group by state order by state", id),
                        counts(c, "select verdict, count(*) from cell where night_id = ? and verdict is not null group by verdict"
                                + " order by verdict", id)));
            }
        }
        return out;
    }

    /** The night's cells compared with earlier nights of the same plan, regressions first; empty: no such night. */
    public List<Comparison> comparison(String nightId) {
        io.kdumplab.harness.nightly.NightStore store = new io.kdumplab.harness.nightly.NightStore(db);
        io.kdumplab.harness.nightly.NightStore.Night n = store.night(nightId);
        if (n == null) {
            return List.of();
        }
        List<Comparison> out = new ArrayList<>();
        for (var r : io.kdumplab.harness.nightly.Regressions.compare(store.cells(nightId, null),
                c -> store.earlierNights(n.plan(), n.night(), c.host(), c.kernel(), c.scenario()))) {
            out.add(new Comparison(r.host(), r.kernel(), r.scenario(), r.status().name(), r.statement(),
                    r.tonight().stream().map(c -> new Verdict(c.verdict() == null ? c.state() : c.verdict(), c.build(),
                            runId(c.report()))).toList(),
                    io.kdumplab.harness.nightly.NightReport.failDiagnosisLines(r.tonight()),
                    r.earlier().stream().map(e -> new EarlierVerdict(e.night().toString(), e.verdict(), e.build(),
                            runId(e.report()))).toList()));
        }
        return out;
    }

    public List<Cell> cells(String nightId) throws SQLException {
        List<Cell> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("select cell_key, host, kernel, build, scenario, repeat, state, verdict,"
                     + " reason, diagnosis, attempts, report from cell where night_id = ? order by seq")) {
            ps.setString(1, nightId);
            Map<String, List<Attempt>> attempts = attempts(c, nightId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Cell(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getInt(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getInt(11),
                            runId(rs.getString(12)), attempts.getOrDefault(rs.getString(1), List.of())));
                }
            }
        }
        return out;
    }

    private static Map<String, List<Attempt>> attempts(Connection c, String nightId) throws SQLException {
        Map<String, List<Attempt>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select cell_key, holder, lease_token, state, verdict, reason, report,"
                + " started_at, ended_at from attempt where night_id = ? order by id")) {
            ps.setString(1, nightId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Attempt(rs.getString(2), rs.getLong(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), runId(rs.getString(7)),
                            instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9))));
                }
            }
        }
        return out;
    }

    public List<Run> runs(RunFilter f) throws SQLException {
        StringBuilder sql = new StringBuilder("select source, night_id, host, kernel, build, scenario, verdict, reason, report, at"
                + " from run_history where true");
        List<Object> args = new ArrayList<>();
        where(sql, args, "host", f.host());
        where(sql, args, "kernel", f.kernel());
        where(sql, args, "scenario", f.scenario());
        where(sql, args, "verdict", f.verdict());
        where(sql, args, "source", f.source());
        if (f.since() != null) {
            sql.append(" and at >= ?");
            args.add(Timestamp.from(f.since()));
        }
        sql.append(" order by at desc, id desc limit ?");
        args.add(Math.max(1, Math.min(f.limit() <= 0 ? 200 : f.limit(), 5000)));
        List<Run> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(run(rs));
                }
            }
        }
        return out;
    }

    /** Where the run with this id keeps its report on the machine that wrote it (history, then cells); null: unknown. */
    public String reportOf(String runId) throws SQLException {
        if (!RUN_ID.matcher(runId).matches()) {
            return null;
        }
        // the exact last path element (a LIKE pattern would read '_' in a host name as any character)
        for (String sql : List.of("select report from run_history where right(report, ?) = ? order by at desc limit 1",
                "select report from cell where right(report, ?) = ? limit 1")) {
            try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, runId.length() + 1);
                ps.setString(2, "/" + runId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
            }
        }
        return null;
    }

    /** The directory of a run in progress (announced under a live lease), as its orchestrator wrote it; null: none. */
    public String liveRunDir(String runId) throws SQLException {
        if (!RUN_ID.matcher(runId).matches()) {
            return null;
        }
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select run_dir from host_lease where run_id = ? and expires_at > now()")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The run id a report path ends with (the run's directory), or null. */
    static String runId(String report) {
        if (report == null) {
            return null;
        }
        String last = report.replaceAll("/+$", "");
        last = last.substring(last.lastIndexOf('/') + 1);
        return RUN_ID.matcher(last).matches() ? last : null;
    }

    private static void where(StringBuilder sql, List<Object> args, String column, String value) {
        if (value != null && !value.isBlank()) {
            sql.append(" and ").append(column).append(" = ?");
            args.add(value);
        }
    }

    /** A run_history row selected as source, night_id, host, kernel, build, scenario, verdict, reason, report, at. */
    private static Run run(ResultSet rs) throws SQLException {
        return new Run(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), runId(rs.getString(9)), instant(rs.getTimestamp(10)));
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static Map<String, Integer> counts(Connection c, String sql, String id) throws SQLException {
        Map<String, Integer> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return out;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
