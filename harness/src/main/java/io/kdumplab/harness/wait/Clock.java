package io.kdumplab.harness.wait;

/** Monotonic time and sleeping, replaceable by a fake in unit tests. */
public interface Clock {
    long nanoTime();

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
