package io.kdumplab.harness.wait;

/** Monotonic time and sleeping, replaceable by a fake in unit tests. */
public interface Clock {
    long nanoTime();

    /** Wall-clock time, to compare with the console's line times (epoch ms); a fake clock moves it with its sleeps. */
    default long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    void sleep(long millis) throws InterruptedException;

    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }
    };
}
