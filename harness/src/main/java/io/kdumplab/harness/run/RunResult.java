package io.kdumplab.harness.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kdumplab.harness.util.AtomicFiles;

import io.kdumplab.harness.verdict.Phase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * result.json: everything a person, a CI server or a bisection needs to trust
 * a verdict. Written atomically after every step, so a failed or interrupted
 * run still leaves what it learned.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RunResult {
    public static final String SCHEMA = "kdump-harness/run/1";
    /** Times are Instants here and ISO-8601 strings in the file ("2026-12-05T13:49:16.046Z"), as they always were. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    public String schema = SCHEMA;
    public String runId;
    public String status = "running";
    /**
     * The process that runs (ran) this run, on which machine: a result still "running" whose process is gone was
     * abandoned (killed with -9, the machine lost), never running forever.
     */
    public Orchestrator orchestrator;

    public record Orchestrator(String machine, long pid, long startTicks, String bootId) {}
    public Instant startedAt;
    public Instant finishedAt;
    public Double durationSeconds;
    public Map<String, Object> inputs = new LinkedHashMap<>();
    public Target target = new Target();
    public Map<String, String> sysctlsOriginal = new LinkedHashMap<>();
    public Map<String, String> sysctlsApplied = new LinkedHashMap<>();
    public Scenario.Spammer spammer;
    public String trigger;
    public Instant triggerAt;
    public List<Instant> nmiSentAt = new ArrayList<>();
    /** What the BMC logged in its event log (IPMI SEL) from the trigger to the end of the run; null: not read. */
    public List<io.kdumplab.harness.device.BmcEvent> bmcEvents;
    public List<StepRecord> steps = new ArrayList<>();
    public List<PhaseRecord> phases = new ArrayList<>();
    public ConsoleSummary console = new ConsoleSummary();
    /** Null while the run is under way; result.json spells it as the enum's name ("PASS", "INFRA_ERROR", ...). */
    public io.kdumplab.harness.verdict.Verdict verdict;
    public String reason;
    public String failedStep;
    public Phase lastPhase;
    /** The console line that ended the wait early (a panic followed by silence), if any. */
    public String terminalConsoleLine;
    public Instant terminalConsoleLineAt;
    /** For a FAIL: where the panic path stopped, why when recognisable, and the facts that bear on it. */
    public io.kdumplab.harness.verdict.Diagnosis diagnosis;
    public Evidence evidence;
    public Boolean hostBackInService;
    public Double harnessCpuSeconds;
    /** Trigger to SSH back: the target's panic-dump-reboot time. */
    public Double panicToSshBackSeconds;
    /** The harness's CPU time inside that window: its overhead while the target works. */
    public Double harnessCpuSecondsInPanicWindow;
    /** Kernel modules loaded by the run (from the host's module cache or built). */
    public List<ModuleLoad> modules = new ArrayList<>();
    public List<String> notes = new ArrayList<>();
    /**
     * Set when the run directory could not be written (a full disk on the orchestrator): the verdict above is still
     * the kernel's, and this result was written to {@link #fallbackDir} instead.
     */
    public String reportsStorageFailure;
    public String fallbackDir;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Target {
        public String host;
        public String distro;
        public String kernel;
        public String cmdline;
        public String captureKernelCmdline;
        /** /sys/kernel/kexec_crash_size: the reservation in effect (the last crashkernel= on the command line wins). */
        public Long crashKernelReservedBytes;
        public String kernelAfterRun;
        /** Where the host's kdump writes dumps, from its own configuration. */
        public String dumpTarget;
        /** Where this run looked for its dump: the inventory's dump_dir, else the configured directory. */
        public String dumpDir;
        /** The dump server the harness read the dump on (user@server:port), for a dump sent over SSH; else null. */
        public String dumpServer;
        /** After a run without a complete dump: what the dump directory's check found wrong (not writable, full). */
        public String dumpTargetProblem;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class ConsoleSummary {
        public String source;
        public long bytes;
        public int lines;
        public long spammerLines;
        public long droppedMessages;
        public Long spammerEmittedAtTrigger;
        public List<Map<String, Object>> gaps = new ArrayList<>();
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Evidence {
        public String vmcorePath;
        public Long vmcoreSize;
        /** "host", or the dump server (user@server:port) the dump was found and read on. */
        public String foundOn;
        /** The tooling left the dump incomplete (its "-incomplete" file, no complete dump): a FAIL. */
        public Boolean incomplete;
        public Boolean readable;
        public String readWith;
        public String dmesgFile;
        public String panicMessage;
        /** "vmcore-dmesg" (read back from the dump), or "console" when the dump's log lacks the banner. */
        public String panicMessageSource;
        public List<String> lastKernelLines = new ArrayList<>();
    }

    public synchronized void save(Path file) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsString(this) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RunResult read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), RunResult.class);
    }
}
