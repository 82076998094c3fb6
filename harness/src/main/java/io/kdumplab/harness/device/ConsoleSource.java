package io.kdumplab.harness.device;

import io.kdumplab.harness.wait.Deadline;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The device's console as lines captured so far (the capture keeps going in the background). */
public interface ConsoleSource extends AutoCloseable {
    int lineCount();

    List<ConsoleLine> lines();

    Optional<ConsoleLine> find(Pattern p, int from);

    /** The first line from `from` on that matches, waiting up to the deadline. */
    ConsoleLine await(Pattern p, int from, Deadline deadline);

    boolean connected();

    List<ConsoleGap> gaps();

    long bytes();

    /** Sum of the kernel's "** N printk messages dropped **" lines. */
    long droppedMessages();

    /** Epoch ms of the last byte received. */
    long lastDataMillis();

    String describe();

    @Override
    void close();
}
