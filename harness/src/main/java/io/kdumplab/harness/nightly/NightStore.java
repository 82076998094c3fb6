package io.kdumplab.harness.nightly;

import io.kdumplab.harness.lease.Lease;
import io.kdumplab.harness.store.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Nights, cells, attempts, host health and the run history in PostgreSQL.
 * Writes about a host's cells are fenced: they succeed only while the writer
 * holds the host's lease with the token it started with, so a frozen
 * orchestrator's late result is rejected, never filed.
 */
public final class NightStore {
    /** Cell states: waiting, being run, finished (with a verdict), or left out when the night's budget ran out. */
    public static final String PENDING = "PENDING";
    public static final String RUNNING = "RUNNING";
    public static final String DONE = "DONE";
    public static final String NOT_RUN = "NOT_RUN";

    private static final String HELD = " and exists (select 1 from host_lease l where l.host = ? and l.token = ? and l.expires_at > now())";

    private final Database db;

    /** Which database the night lives in (fencing tokens compare only within one). */
    public String databaseIdentity() {
        return db.identity();
    }

    public NightStore(Database db) {
        this.db = db;
    }

    public static String nightId(String plan, LocalDate night) {
        return plan + "/" + night;
    }

    /** Records the night and its cells; a second call for the same plan and night changes nothing. True if new. */
    public boolean enqueue(NightlyPlan plan, LocalDate night, Map<String, String> buildOfKernel) {
        String id = nightId(plan.name(), night);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            boolean fresh;
            try (PreparedStatement ps = c.prepareStatement("insert into night (id, plan_name, night, plan_file, budget_seconds,"
                    + " deadline) values (?, ?, ?, ?, ?, now() + ? * interval '1 second') on conflict (id) do nothing")) {
                ps.setString(1, id);
                ps.setString(2, plan.name());
                ps.setObject(3, night);
                ps.setString(4, plan.file().toString());
                ps.setLong(5, plan.budget().toSeconds());
                ps.setLong(6, plan.budget().toSeconds());
                fresh = ps.executeUpdate() == 1;
            }
            if (fresh) {
                try (PreparedStatement ps = c.prepareStatement("insert into cell (night_id, cell_key, lab, host, kernel, build,"
                        + " scenario, repeat, seq) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing")) {
                    for (NightlyPlan.Cell cell : plan.cells()) {
                        ps.setString(1, id);
                        ps.setString(2, cell.key());
                        ps.setString(3, cell.lab());
                        ps.setString(4, cell.host());
                        ps.setString(5, cell.kernel());
                        ps.setString(6, buildOfKernel.getOrDefault(cell.kernel(), cell.kernel()));
                        ps.setString(7, cell.scenario());
                        ps.setInt(8, cell.repeat());
                        ps.setInt(9, cell.seq());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            c.commit();
            return fresh;
        } catch (SQLException e) {
            throw db.failure("enqueueing night " + id, e);
        }
    }

    public record Night(String id, String plan, LocalDate night, String planFile, long budgetSeconds, java.time.Instant deadline) {}

    public Night night(String id) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select id, plan_name, night, plan_file, budget_seconds, deadline from night where id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Night(rs.getString(1), rs.getString(2), rs.getObject(3, LocalDate.class), rs.getString(4),
                        rs.getLong(5), rs.getTimestamp(6).toInstant());
            }
        } catch (SQLException e) {
            throw db.failure("reading night " + id, e);
        }
    }

    /** The night's hosts with their lab, in cell order. */
    public List<NightHost> hosts(String nightId) {
        List<NightHost> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select lab, host from cell where night_id = ? group by lab, host order by min(seq), host")) {
            ps.setString(1, nightId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new NightHost(rs.getString(1), rs.getString(2)));
                }
            }
        } catch (SQLException e) {
            throw db.failure("reading the hosts of " + nightId, e);
        }
        return out;
    }

    public List<CellRow> cells(String nightId, String host) {
        List<CellRow> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select night_id, cell_key, lab, host, kernel, build, scenario, repeat, seq, state, verdict, reason, report,"
                        + " attempts, diagnosis from cell where night_id = ? and (? is null or host = ?) order by host, seq")) {
            ps.setString(1, nightId);
            ps.setString(2, host);
            ps.setString(3, host);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new CellRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getInt(8), rs.getInt(9), rs.getString(10), rs.getString(11),
                            rs.getString(12), rs.getString(13), rs.getInt(14), rs.getString(15)));
                }
            }
        } catch (SQLException e) {
            throw db.failure("reading the cells of " + nightId, e);
        }
        return out;
    }

    /**
     * A take-over: cells of this host left RUNNING by another holder (a dead or frozen orchestrator) go back to
     * PENDING and their open attempts are marked INTERRUPTED. Fenced by the new holder's lease.
     */
    public int interruptLeftovers(String nightId, Lease lease) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            int n;
            try (PreparedStatement a = c.prepareStatement("update attempt set state = 'INTERRUPTED', ended_at = now(),"
                    + " reason = 'the orchestrator running it stopped answering; taken over by ' || ?"
                    + " where night_id = ? and state = 'RUNNING' and lease_token <> ? and cell_key in"
                    + " (select cell_key from cell where night_id = ? and host = ?)" + HELD);
                 PreparedStatement cl = c.prepareStatement("update cell set state = 'PENDING', holder = null"
                         + " where night_id = ? and host = ? and state = 'RUNNING' and coalesce(lease_token, -1) <> ?" + HELD)) {
                a.setString(1, lease.holder());
                a.setString(2, nightId);
                a.setLong(3, lease.token());
                a.setString(4, nightId);
                a.setString(5, lease.host());
                a.setString(6, lease.host());
                a.setLong(7, lease.token());
                a.executeUpdate();
                cl.setString(1, nightId);
                cl.setString(2, lease.host());
                cl.setLong(3, lease.token());
                cl.setString(4, lease.host());
                cl.setLong(5, lease.token());
                n = cl.executeUpdate();
            }
            c.commit();
            return n;
        } catch (SQLException e) {
            throw db.failure("taking over " + lease.host(), e);
        }
    }

    /** Marks the cell RUNNING for this lease and opens an attempt; -1 when the lease is no longer held. */
    public long start(CellRow cell, Lease lease) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("update cell set state = 'RUNNING', holder = ?, lease_token = ?,"
                    + " attempts = attempts + 1, started_at = now() where night_id = ? and cell_key = ? and state = 'PENDING'" + HELD)) {
                ps.setString(1, lease.holder());
                ps.setLong(2, lease.token());
                ps.setString(3, cell.nightId());
                ps.setString(4, cell.key());
                ps.setString(5, lease.host());
                ps.setLong(6, lease.token());
                if (ps.executeUpdate() != 1) {
                    c.rollback();
                    return -1;
                }
            }
            long id;
            try (PreparedStatement ps = c.prepareStatement("insert into attempt (night_id, cell_key, holder, lease_token, state)"
                    + " values (?, ?, ?, ?, 'RUNNING') returning id")) {
                ps.setString(1, cell.nightId());
                ps.setString(2, cell.key());
                ps.setString(3, lease.holder());
                ps.setLong(4, lease.token());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            c.commit();
            return id;
        } catch (SQLException e) {
            throw db.failure("starting cell " + cell.key(), e);
        }
    }

    /**
     * Files the attempt's result: the cell becomes DONE (or PENDING again for a retry), the attempt is closed and the
     * run recorded in the history, in one transaction, only while the lease is held. False: rejected (lease lost).
     */
    public boolean finish(CellRow cell, Lease lease, long attempt, CellResult r, boolean retry) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("update cell set state = ?, verdict = ?, reason = ?, report = ?,"
                    + " build = coalesce(?, build), diagnosis = ?, ended_at = now() where night_id = ? and cell_key = ?"
                    + " and lease_token = ? and state = 'RUNNING'" + HELD)) {
                ps.setString(1, retry ? PENDING : DONE);
                ps.setString(2, r.verdict().name());
                ps.setString(3, r.reason());
                ps.setString(4, r.report());
                ps.setString(5, r.build());
                ps.setString(6, r.diagnosis());
                ps.setString(7, cell.nightId());
                ps.setString(8, cell.key());
                ps.setLong(9, lease.token());
                ps.setString(10, lease.host());
                ps.setLong(11, lease.token());
                if (ps.executeUpdate() != 1) {
                    c.rollback();
                    return false;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("update attempt set state = ?, verdict = ?, reason = ?, report = ?,"
                    + " diagnosis = ?, ended_at = now() where id = ?")) {
                ps.setString(1, retry ? "RETRIED" : "DONE");
                ps.setString(2, r.verdict().name());
                ps.setString(3, r.reason());
                ps.setString(4, r.report());
                ps.setString(5, r.diagnosis());
                ps.setLong(6, attempt);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into run_history (source, night_id, host, kernel, build,"
                    + " scenario, verdict, reason, report, diagnosis) values ('nightly', ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, cell.nightId());
                ps.setString(2, cell.host());
                ps.setString(3, cell.kernel());
                ps.setString(4, r.build() != null ? r.build() : cell.build());
                ps.setString(5, cell.scenario());
                ps.setString(6, r.verdict().name());
                ps.setString(7, r.reason());
                ps.setString(8, r.report());
                ps.setString(9, r.diagnosis());
                ps.executeUpdate();
            }
            c.commit();
            return true;
        } catch (SQLException e) {
            throw db.failure("filing cell " + cell.key(), e);
        }
    }

    /** Cells of this host still pending when the budget ran out, or when the host cannot be used. */
    public int close(String nightId, String host, String verdict, String reason) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "update cell set state = ?, verdict = ?, reason = ?, ended_at = now() where night_id = ? and host = ?"
                        + " and state = 'PENDING'")) {
            ps.setString(1, verdict.equals("NOT_RUN") ? NOT_RUN : DONE);
            ps.setString(2, verdict);
            ps.setString(3, reason);
            ps.setString(4, nightId);
            ps.setString(5, host);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw db.failure("closing the cells of " + host, e);
        }
    }

    /** Cells not final yet (PENDING or RUNNING). */
    public int unfinished(String nightId) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select count(*) from cell where night_id = ? and state in ('PENDING', 'RUNNING')")) {
            ps.setString(1, nightId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw db.failure("reading the progress of " + nightId, e);
        }
    }

    public record AttemptRow(String cellKey, String holder, long token, String state, String verdict, String reason) {}

    public List<AttemptRow> attempts(String nightId) {
        List<AttemptRow> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select cell_key, holder, lease_token, state, verdict, reason from attempt where night_id = ? order by id")) {
            ps.setString(1, nightId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AttemptRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                            rs.getString(6)));
                }
            }
        } catch (SQLException e) {
            throw db.failure("reading the attempts of " + nightId, e);
        }
        return out;
    }

    public void health(String host, boolean healthy, String reason) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "insert into host_health (host, healthy, reason, since, checked_at) values (?, ?, ?, now(), now())"
                        + " on conflict (host) do update set since = case when host_health.healthy = excluded.healthy"
                        + " then host_health.since else now() end, healthy = excluded.healthy, reason = excluded.reason,"
                        + " checked_at = now()")) {
            ps.setString(1, host);
            ps.setBoolean(2, healthy);
            ps.setString(3, reason);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw db.failure("recording the health of " + host, e);
        }
    }

    /** The orchestrator's own condition (its reports disk), for status and for the other orchestrators to see. */
    public void orchestratorHealth(String name, boolean healthy, String reason) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "insert into orchestrator_health (name, healthy, reason, since) values (?, ?, ?, now())"
                        + " on conflict (name) do update set since = case when orchestrator_health.healthy = excluded.healthy"
                        + " then orchestrator_health.since else now() end, healthy = excluded.healthy, reason = excluded.reason")) {
            ps.setString(1, name);
            ps.setBoolean(2, healthy);
            ps.setString(3, reason);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw db.failure("recording the health of orchestrator " + name, e);
        }
    }

    /** Null when the host was never checked; else {healthy, reason, since}. */
    public java.util.Optional<HostHealth> health(String host) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select healthy, reason, since from host_health where host = ?")) {
            ps.setString(1, host);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(new HostHealth(rs.getBoolean(1), rs.getString(2), rs.getTimestamp(3).toInstant()))
                        : java.util.Optional.empty();
            }
        } catch (SQLException e) {
            throw db.failure("reading the health of " + host, e);
        }
    }

    /** The judged verdicts of one cell key (host, kernel, scenario) on earlier nights of the same plan, newest first. */
    public List<EarlierCell> earlierNights(String plan, LocalDate before, String host, String kernel, String scenario) {
        List<EarlierCell> out = new ArrayList<>();
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
                "select n.night, c.verdict, c.build, c.report from cell c join night n on n.id = c.night_id"
                        + " where n.plan_name = ? and n.night < ? and c.host = ? and c.kernel = ? and c.scenario = ?"
                        + " and c.verdict in ('PASS', 'FAIL') order by n.night desc, c.repeat")) {
            ps.setString(1, plan);
            ps.setObject(2, before);
            ps.setString(3, host);
            ps.setString(4, kernel);
            ps.setString(5, scenario);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new EarlierCell(rs.getObject(1, LocalDate.class), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        } catch (SQLException e) {
            throw db.failure("reading the history of " + host, e);
        }
        return out;
    }

    /** Records an on-demand repro run or a bisection trial in the history. */
    public void recordRun(String source, String host, String kernel, String scenario, String verdict, String reason, String report,
                          String diagnosis) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("insert into run_history (source, host,"
                + " kernel, build, scenario, verdict, reason, report, diagnosis) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, source);
            ps.setString(2, host);
            ps.setString(3, kernel);
            ps.setString(4, kernel);
            ps.setString(5, scenario);
            ps.setString(6, verdict);
            ps.setString(7, reason);
            ps.setString(8, report);
            ps.setString(9, diagnosis);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw db.failure("recording a run of " + host, e);
        }
    }
}
