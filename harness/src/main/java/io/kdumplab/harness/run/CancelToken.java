package io.kdumplab.harness.run;

import java.util.concurrent.atomic.AtomicReference;

/** Set once when the run must stop (Ctrl-C, SIGTERM, a lost lease); steps check it between actions. */
public final class CancelToken {
    private final AtomicReference<String> reason = new AtomicReference<>();

    public void cancel(String why) {
        reason.compareAndSet(null, why);
    }

    public boolean cancelled() {
        return reason.get() != null;
    }

    public String reason() {
        return reason.get();
    }
}
