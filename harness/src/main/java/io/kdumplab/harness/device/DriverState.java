package io.kdumplab.harness.device;

import io.kdumplab.harness.failure.InfrastructureException;

/**
 * The lifecycle of a driver: idle -> open -> closed, or broken when its link
 * was cut under it (a timeout, a dead peer). A call on a broken driver is an
 * infrastructure error; a call while idle or closed is the harness's own bug
 * and says which driver, which call and which state.
 */
public final class DriverState {
    public enum State { IDLE, OPEN, BROKEN, CLOSED }

    private final String driver;
    private final String component;
    private volatile State state = State.IDLE;
    private volatile String brokenBecause;

    public DriverState(String driver, String component) {
        this.driver = driver;
        this.component = component;
    }

    public void opened() {
        state = State.OPEN;
    }

    public void broken(String why) {
        brokenBecause = why;
        state = State.BROKEN;
    }

    /** @return true if it was open or broken (a second close is harmless) */
    public boolean closed() {
        State was = state;
        state = State.CLOSED;
        return was == State.OPEN || was == State.BROKEN;
    }

    public State state() {
        return state;
    }

    public void require(String call) {
        State s = state;
        if (s == State.BROKEN) {
            throw new InfrastructureException(component, driver + "." + call + "(): the link was cut earlier (" + brokenBecause + ")",
                    "reconnect before using it again");
        }
        if (s != State.OPEN) {
            throw new IllegalStateException(driver + "." + call + "() called while the driver is " + s);
        }
    }
}
