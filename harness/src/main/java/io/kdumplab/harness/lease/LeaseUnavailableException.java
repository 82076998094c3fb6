package io.kdumplab.harness.lease;

/** --no-wait, or the wait's deadline passed: names the holder and since when. */
public final class LeaseUnavailableException extends RuntimeException {
    private final String holder;

    public LeaseUnavailableException(String message, String holder) {
        super(message);
        this.holder = holder;
    }

    public String holder() {
        return holder;
    }
}
