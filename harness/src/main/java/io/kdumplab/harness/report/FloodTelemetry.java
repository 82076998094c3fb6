package io.kdumplab.harness.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Console-flood telemetry from the spammer's numbered messages: how many
 * messages were printed on the console (per thread, over time), how many the
 * sequence numbers prove were emitted, how many went missing between printed
 * ones (sequence gaps), how many the kernel said it dropped, and the backlog
 * at the NMI (emitted by then, per the module's counter, minus printed by then).
 */
public final class FloodTelemetry {
    private static final Pattern SPAM = Pattern.compile("printk_spammer: t=(\\d+) seq=(\\d+)");
    private static final Pattern DROPPED = Pattern.compile("\\*\\* (\\d+) printk messages dropped \\*\\*");

    /** One console line with the time its newline arrived. */
    public record TimedLine(long epochMillis, String text) {}

    public record Summary(long printed, long emittedBySeq, long seqGaps, long kernelDropped, Long printedBeforeTrigger,
                          Long emittedAtTrigger, Long backlogAtTrigger, Map<Integer, Long> maxSeqPerThread,
                          List<long[]> perSecond) {}

    /**
     * @param lines console lines in order
     * @param triggerMillis epoch ms of the trigger, or null
     * @param emittedAtTrigger the module's "emitted" counter read just before the trigger, or null
     */
    public static Summary compute(List<TimedLine> lines, Long triggerMillis, Long emittedAtTrigger) {
        Map<Integer, Long> maxSeq = new HashMap<>();
        Map<Integer, Long> lastSeq = new HashMap<>();
        // a line garbled by the serial line can carry a sequence number that is too high (digits of the next line run
        // into it); the thread's next line then goes backwards: the garbled value is taken back, with its "gap".
        // One garbled too low is a printed line that moves nothing (suite run 19 counted 314 false gaps after one).
        Map<Integer, long[]> beforeLast = new HashMap<>(); // {seq before the last line, max before it, gap it counted}
        long printed = 0;
        long gaps = 0;
        long dropped = 0;
        long printedBefore = 0;
        List<long[]> perSecond = new ArrayList<>(); // {second epoch, console lines, spammer lines}
        long firstSecond = lines.isEmpty() ? 0 : lines.get(0).epochMillis() / 1000;
        for (TimedLine l : lines) {
            long sec = l.epochMillis() / 1000;
            while (perSecond.isEmpty() || perSecond.get(perSecond.size() - 1)[0] < sec) {
                long next = perSecond.isEmpty() ? firstSecond : perSecond.get(perSecond.size() - 1)[0] + 1;
                perSecond.add(new long[] {next, 0, 0});
            }
            long[] bucket = perSecond.get(perSecond.size() - 1);
            bucket[1]++;
            Matcher m = SPAM.matcher(l.text());
            if (m.find()) {
                int t = Integer.parseInt(m.group(1));
                long seq = Long.parseLong(m.group(2));
                printed++;
                bucket[2]++;
                if (triggerMillis != null && l.epochMillis() <= triggerMillis) {
                    printedBefore++;
                }
                Long prev = lastSeq.get(t);
                long[] undo = beforeLast.get(t);
                if (prev != null && seq <= prev && undo != null && undo[2] > 0 && seq > undo[0]) {
                    gaps -= undo[2];
                    maxSeq.put(t, undo[1]);
                    prev = undo[0];
                } else if (prev != null && seq <= prev) {
                    // garbled downwards (digits lost, or another thread's line read as this one's): the thread's
                    // position stays where it was, or its next line would count everything since as missing
                    continue;
                }
                long gap = prev != null && seq > prev + 1 ? seq - prev - 1 : 0;
                gaps += gap;
                beforeLast.put(t, new long[] {prev == null ? 0 : prev, maxSeq.getOrDefault(t, 0L), gap});
                lastSeq.put(t, seq);
                maxSeq.merge(t, seq, Math::max);
            }
            Matcher d = DROPPED.matcher(l.text());
            while (d.find()) {
                dropped += Long.parseLong(d.group(1));
            }
        }
        long emittedBySeq = maxSeq.values().stream().mapToLong(Long::longValue).sum();
        Long backlog = emittedAtTrigger == null || triggerMillis == null ? null : Math.max(0, emittedAtTrigger - printedBefore);
        return new Summary(printed, emittedBySeq, gaps, dropped, triggerMillis == null ? null : printedBefore,
                emittedAtTrigger, backlog, maxSeq, perSecond);
    }
}
