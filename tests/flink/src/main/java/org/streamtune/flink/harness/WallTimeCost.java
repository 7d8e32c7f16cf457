package org.streamtune.flink.harness;

import java.util.concurrent.locks.LockSupport;

/**
 * Makes each record cost wall time rather than CPU: the owed time is
 * accumulated and slept off once it reaches a millisecond, so an instance
 * processes at most 1e6 / costMicros records per second whatever the core
 * count, and capacity grows linearly with parallelism. Busy time in Flink
 * includes this sleep (it happens inside processElement). Not thread-safe:
 * one per operator instance.
 */
public final class WallTimeCost {
  private static final long SLEEP_QUANTUM_NANOS = 1_000_000;
  private final long costNanos;
  private long owedNanos;

  public WallTimeCost(long costMicros) {
    this.costNanos = costMicros * 1000;
  }

  /** Charges one record; may block the calling thread. */
  public void charge() {
    if (costNanos <= 0) return;
    owedNanos += costNanos;
    if (owedNanos < SLEEP_QUANTUM_NANOS) return;
    long start = System.nanoTime();
    LockSupport.parkNanos(owedNanos);
    // Oversleeping is credited to the next records, so the average cost per
    // record stays exact.
    owedNanos -= System.nanoTime() - start;
  }
}
