package org.streamtune.flink.harness;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * An unbounded source that behaves like a partitioned log with a producer
 * writing at a scheduled rate: records "arrive" by wall clock since `epochMs`
 * whether or not the job runs, the source reads what has arrived as fast as
 * downstream lets it, and the unread remainder is its `pendingRecords` gauge
 * (FLIP-33), so a slow job or a restart shows up as lag, as with Kafka.
 */
public final class RateSource implements Source<Event, RateSplit, List<RateSplit>> {
  private static final long serialVersionUID = 1L;

  /** What the generated stream looks like. */
  public static final class Config implements Serializable {
    private static final long serialVersionUID = 1L;
    public RateSchedule schedule = RateSchedule.parse("0:1000");
    public long epochMs;
    public int partitions = 12;
    public long keys = 10_000;
    public double hotKeyFraction = 0;
    /** Per-record wall-time cost of reading, in microseconds. */
    public long costMicros = 0;
  }

  private final Config config;

  public RateSource(Config config) {
    this.config = config;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.CONTINUOUS_UNBOUNDED;
  }

  @Override
  public SplitEnumerator<RateSplit, List<RateSplit>> createEnumerator(
      SplitEnumeratorContext<RateSplit> context) {
    List<RateSplit> all = new ArrayList<>();
    for (int p = 0; p < config.partitions; p++) all.add(new RateSplit(p, 0));
    return new RateEnumerator(context, all);
  }

  @Override
  public SplitEnumerator<RateSplit, List<RateSplit>> restoreEnumerator(
      SplitEnumeratorContext<RateSplit> context, List<RateSplit> checkpoint) {
    return new RateEnumerator(context, checkpoint);
  }

  @Override
  public SimpleVersionedSerializer<RateSplit> getSplitSerializer() {
    return new RateSplit.Serializer();
  }

  @Override
  public SimpleVersionedSerializer<List<RateSplit>> getEnumeratorCheckpointSerializer() {
    return new RateEnumerator.StateSerializer();
  }

  @Override
  public SourceReader<Event, RateSplit> createReader(SourceReaderContext context) {
    return new RateReader(config, context);
  }
}
