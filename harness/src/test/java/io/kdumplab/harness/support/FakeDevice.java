package io.kdumplab.harness.support;

import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.CommandShell;
import io.kdumplab.harness.device.ConsoleSource;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.ConsoleGap;
import io.kdumplab.harness.device.ConsoleLine;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.wait.Deadline;
import io.kdumplab.harness.wait.WaitTimeoutException;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A scripted device for unit tests of the run core (no lab): a shell whose
 * answers come from a function of the command, a BMC that records NMIs and
 * power cycles, and a console fed by the test. Only timing logic and
 * classification are tested with it; the real drivers are tested on the lab.
 */
public final class FakeDevice {
    /** Every command the run sent, in order. */
    public final List<String> commands = Collections.synchronizedList(new ArrayList<>());
    public final List<Instant> nmis = Collections.synchronizedList(new ArrayList<>());
    public final List<Instant> powerCycles = Collections.synchronizedList(new ArrayList<>());
    public final FakeConsole console = new FakeConsole();
    /** Answers per command (the longest key the command contains wins); the default answers "" with exit 0. */
    public final Map<String, Function<String, CommandResult>> answers = new ConcurrentHashMap<>();
    public volatile RuntimeException failShellConnect;
    public volatile RuntimeException failBmcOpen;
    public volatile String bootId = "boot-1";
    /** What `. /etc/os-release; echo "$ID $ID_LIKE"` prints (the device's distribution detection). */
    public volatile String osRelease = "debian";
    /** When set, SSH connections and probes are refused (the host is down or hung). */
    public volatile boolean hostDown;
    public volatile Runnable onNmi = () -> { };
    /** The BMC's event log (null: the fake BMC's log is not read, as a BMC without one). */
    public volatile List<io.kdumplab.harness.device.BmcEvent> eventLog;
    public volatile Runnable onPowerCycle = () -> { };
    /** Called with a command that ends the connection on purpose (a reboot, sysrq-c), after it was recorded. */
    public volatile java.util.function.Consumer<String> onDisconnect = c -> { };

    public Device device(String host) {
        Device.ShellConnector shell = new Device.ShellConnector() {
            @Override
            public CommandShell connect(Deadline deadline) {
                if (failShellConnect != null) {
                    throw failShellConnect;
                }
                return probe(Duration.ZERO);
            }

            @Override
            public CommandShell probe(Duration timeout) {
                if (hostDown) {
                    throw new InfrastructureException("ssh", "cannot reach root@fake:22 (connection refused)", "");
                }
                return new Shell();
            }
        };
        return new Device(host, new Device.Drivers(shell, () -> {
            if (failBmcOpen != null) {
                throw failBmcOpen;
            }
            return new FakeBmc();
        }, (dir, log) -> console, io.kdumplab.harness.device.distro.Distros.declaredOr(null)));
    }

    public static CommandResult ok(String cmd, String out) {
        return new CommandResult(cmd, 0, out, "");
    }

    /** A command that blocks until interrupted (a frozen host): the runner's timeout must end it. */
    public static Function<String, CommandResult> hang() {
        return cmd -> {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new InfrastructureException("ssh", "interrupted while running " + cmd, "");
        };
    }

    final class Shell implements CommandShell {
        @Override
        public CommandResult run(String command, Duration timeout) {
            commands.add(command);
            // the most specific answer wins: the longest key the command contains
            var best = answers.entrySet().stream().filter(e -> command.contains(e.getKey()))
                    .max(java.util.Comparator.comparingInt(e -> e.getKey().length()));
            if (best.isPresent()) {
                return best.get().getValue().apply(command);
            }
            if (command.contains("/etc/os-release")) {
                return ok(command, osRelease);
            }
            if (command.contains("boot_id")) {
                return ok(command, bootId);
            }
            if (command.equals("id -u")) {
                return ok(command, "0");
            }
            if (command.contains("/dev/kmsg")) {
                // the kernel echoes the marker on the console
                String marker = command.replaceAll(".*<3>(\\S+).*", "$1");
                console.add(marker + " preflight");
            }
            return ok(command, "");
        }

        @Override
        public void runExpectingDisconnect(String command) {
            commands.add(command);
            onDisconnect.accept(command);
        }

        @Override
        public void upload(Path local, String remote) {
            commands.add("upload " + remote);
        }

        @Override
        public String describe() {
            return "root@fake:22";
        }

        @Override
        public void close() {
        }
    }

    final class FakeBmc implements Bmc {
        @Override
        public PowerState powerState() {
            return PowerState.ON;
        }

        @Override
        public Instant powerCycle() {
            Instant now = Instant.now();
            powerCycles.add(now);
            onPowerCycle.run();
            return now;
        }

        @Override
        public List<Instant> nmiBurst(int count, Duration spacing) {
            List<Instant> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(Instant.now());
            }
            nmis.addAll(sent);
            onNmi.run();
            return sent;
        }

        @Override
        public java.util.OptionalInt eventLogMark() {
            List<io.kdumplab.harness.device.BmcEvent> log = eventLog;
            return log == null ? java.util.OptionalInt.empty()
                    : java.util.OptionalInt.of(log.isEmpty() ? 0 : log.get(log.size() - 1).recordId());
        }

        @Override
        public List<io.kdumplab.harness.device.BmcEvent> eventsAfter(int mark) {
            return eventLog == null ? List.of() : eventLog.stream().filter(e -> e.recordId() > mark).toList();
        }

        @Override
        public String describe() {
            return "BMC fake";
        }

        @Override
        public void close() {
        }
    }

    /** Lines the test adds appear on the console at once. */
    public static final class FakeConsole implements ConsoleSource {
        private final List<ConsoleLine> lines = new ArrayList<>();
        private long lastData = System.currentTimeMillis();

        public synchronized void add(String text) {
            lines.add(new ConsoleLine(lines.size(), System.currentTimeMillis(), 0, text));
            lastData = System.currentTimeMillis();
        }

        /** As if the last data had arrived `millis` ago (the console went quiet). */
        public synchronized void quietFor(long millis) {
            lastData = System.currentTimeMillis() - millis;
        }

        @Override
        public synchronized int lineCount() {
            return lines.size();
        }

        @Override
        public synchronized List<ConsoleLine> lines() {
            return List.copyOf(lines);
        }

        @Override
        public synchronized Optional<ConsoleLine> find(Pattern p, int from) {
            for (int i = Math.max(0, from); i < lines.size(); i++) {
                if (p.matcher(lines.get(i).text()).find()) {
                    return Optional.of(lines.get(i));
                }
            }
            return Optional.empty();
        }

        @Override
        public ConsoleLine await(Pattern p, int from, Deadline deadline) {
            while (!deadline.expired()) {
                Optional<ConsoleLine> l = find(p, from);
                if (l.isPresent()) {
                    return l.get();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new WaitTimeoutException(deadline.name(), deadline.timeout(), lineCount() + " lines");
        }

        @Override
        public boolean connected() {
            return true;
        }

        @Override
        public List<ConsoleGap> gaps() {
            return List.of();
        }

        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public long droppedMessages() {
            return 0;
        }

        @Override
        public synchronized long lastDataMillis() {
            return lastData;
        }

        @Override
        public String describe() {
            return "fake console";
        }

        @Override
        public void close() {
        }
    }
}
