package org.streamtune.flink.harness;

import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Gauge;

/**
 * The same partitioned log as RateSource, but its reader reports no
 * pendingRecords: like a Kinesis shard reader, only how far behind the newest
 * record it reads, as the gauge `millisBehindLatest` — milliseconds since the
 * oldest record not yet read (over the subtask's partitions) arrived, 0 when
 * it has read everything. Selected with --source=time-lag.
 */
public final class TimeLagSource implements Source<Event, RateSplit, List<RateSplit>> {
  private static final long serialVersionUID = 1L;

  public static final String PENDING = "pending";
  public static final String TIME_LAG = "time-lag";

  private final RateSource.Config config;
  private final RateSource log;

  public TimeLagSource(RateSource.Config config) {
    this.config = config;
    this.log = new RateSource(config);
  }

  /** The --source value, or IllegalArgumentException. */
  static String checkKind(String kind) {
    if (!kind.equals(PENDING) && !kind.equals(TIME_LAG)) {
      throw new IllegalArgumentException(
          "--source: \"" + kind + "\" is neither " + PENDING + " nor " + TIME_LAG);
    }
    return kind;
  }

  /** The source --source=`kind` selects. */
  static Source<Event, RateSplit, List<RateSplit>> of(String kind, RateSource.Config config) {
    return checkKind(kind).equals(TIME_LAG) ? new TimeLagSource(config) : new RateSource(config);
  }

  /**
   * Milliseconds between the arrival of the oldest unread record among
   * partitions at `offsets` and `nowMs`; 0 when every partition is read up.
   * Records of one partition arrive at 1 / partitions of the schedule's rate.
   */
  static long millisBehind(RateSource.Config config, long[] offsets, long nowMs) {
    if (offsets.length == 0) return 0;
    long oldest = Long.MAX_VALUE;
    for (long offset : offsets) oldest = Math.min(oldest, offset);
    // Record `oldest` of a partition has arrived once more than `oldest`
    // records per partition have: find the first millisecond when that held.
    long lo = 0;
    long hi = Math.max(0, nowMs - config.epochMs);
    if (arrivedPerPartition(config, hi) <= oldest) return 0;
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (arrivedPerPartition(config, mid) > oldest) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return Math.max(0, nowMs - config.epochMs - lo);
  }

  private static long arrivedPerPartition(RateSource.Config config, long elapsedMs) {
    return (long) Math.floor(config.schedule.arrivedBy(elapsedMs) / config.partitions);
  }

  @Override
  public Boundedness getBoundedness() {
    return log.getBoundedness();
  }

  @Override
  public SplitEnumerator<RateSplit, List<RateSplit>> createEnumerator(
      SplitEnumeratorContext<RateSplit> context) {
    return log.createEnumerator(context);
  }

  @Override
  public SplitEnumerator<RateSplit, List<RateSplit>> restoreEnumerator(
      SplitEnumeratorContext<RateSplit> context, List<RateSplit> checkpoint) {
    return log.restoreEnumerator(context, checkpoint);
  }

  @Override
  public SimpleVersionedSerializer<RateSplit> getSplitSerializer() {
    return log.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<List<RateSplit>> getEnumeratorCheckpointSerializer() {
    return log.getEnumeratorCheckpointSerializer();
  }

  @Override
  public SourceReader<Event, RateSplit> createReader(SourceReaderContext context) {
    RateReader reader = new RateReader(config, context, false);
    context
        .metricGroup()
        .gauge(
            "millisBehindLatest",
            (Gauge<Long>) () -> millisBehind(config, reader.offsets(), System.currentTimeMillis()));
    return reader;
  }
}
