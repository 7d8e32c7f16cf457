package org.streamtune.flink.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

/**
 * Reads the partitions assigned to one source subtask round-robin. Runs in
 * the task thread; only the pendingRecords gauge is read from another
 * (metrics) thread, hence the volatile offsets.
 */
final class RateReader implements SourceReader<Event, RateSplit> {
  /** How long to wait before looking again when nothing has arrived. */
  private static final long RECHECK_MS = 2;

  private static final class Cursor {
    final int partition;
    volatile long offset;

    Cursor(int partition, long offset) {
      this.partition = partition;
      this.offset = offset;
    }
  }

  private final RateSource.Config config;
  private final List<Cursor> cursors = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer;
  private final WallTimeCost cost;
  private CompletableFuture<Void> available = CompletableFuture.completedFuture(null);
  private int next;

  RateReader(RateSource.Config config, SourceReaderContext context) {
    this(config, context, true);
  }

  /** Without the pendingRecords gauge when `pendingRecordsGauge` is false (TimeLagSource). */
  RateReader(RateSource.Config config, SourceReaderContext context, boolean pendingRecordsGauge) {
    this.config = config;
    this.cost = new WallTimeCost(config.costMicros);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "rate-source-timer");
              t.setDaemon(true);
              return t;
            });
    if (pendingRecordsGauge) context.metricGroup().setPendingRecordsGauge(this::pendingRecords);
  }

  /** The next offset to read of every assigned partition (any thread). */
  long[] offsets() {
    return cursors.stream().mapToLong(c -> c.offset).toArray();
  }

  private long arrivedPerPartition(long nowMs) {
    double total = config.schedule.arrivedBy(Math.max(0, nowMs - config.epochMs));
    return (long) Math.floor(total / config.partitions);
  }

  private Long pendingRecords() {
    long arrived = arrivedPerPartition(System.currentTimeMillis());
    long pending = 0;
    for (Cursor c : cursors) pending += Math.max(0, arrived - c.offset);
    return pending;
  }

  @Override
  public void start() {}

  @Override
  public InputStatus pollNext(ReaderOutput<Event> output) {
    long arrived = arrivedPerPartition(System.currentTimeMillis());
    int n = cursors.size();
    for (int i = 0; i < n; i++) {
      Cursor c = cursors.get((next + i) % n);
      if (c.offset < arrived) {
        next = (next + i + 1) % n;
        output.collect(makeEvent(c.partition, c.offset));
        c.offset = c.offset + 1;
        cost.charge();
        return InputStatus.MORE_AVAILABLE;
      }
    }
    CompletableFuture<Void> later = new CompletableFuture<>();
    available = later;
    timer.schedule(() -> later.complete(null), RECHECK_MS, TimeUnit.MILLISECONDS);
    return InputStatus.NOTHING_AVAILABLE;
  }

  private Event makeEvent(int partition, long sequence) {
    long h = mix(partition * 0x9E3779B97F4A7C15L + sequence);
    long key;
    if ((h >>> 11) % 1_000_000 < config.hotKeyFraction * 1_000_000) {
      key = 0;
    } else {
      key = 1 + Math.floorMod(h, config.keys);
    }
    return new Event(key, partition, sequence, h);
  }

  /** SplitMix64 finaliser: a cheap, well-spread hash. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public List<RateSplit> snapshotState(long checkpointId) {
    List<RateSplit> state = new ArrayList<>(cursors.size());
    for (Cursor c : cursors) state.add(new RateSplit(c.partition, c.offset));
    return state;
  }

  @Override
  public CompletableFuture<Void> isAvailable() {
    return available;
  }

  @Override
  public void addSplits(List<RateSplit> splits) {
    for (RateSplit s : splits) cursors.add(new Cursor(s.partition, s.offset));
  }

  @Override
  public void notifyNoMoreSplits() {}

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
