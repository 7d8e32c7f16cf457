package org.streamtune.flink.harness;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Nexmark q5's first stage: bids per auction in a sliding window. The
 * per-record cost is charged once per window a record lands in, as a real
 * sliding aggregate pays per pane.
 */
public final class WindowCount {
  private WindowCount() {}

  /** Counts records; each add costs `costMicros` of wall time. */
  public static final class Count implements AggregateFunction<Event, Long, Long> {
    private static final long serialVersionUID = 1L;
    private final long costMicros;
    private transient WallTimeCost cost;

    public Count(long costMicros) {
      this.costMicros = costMicros;
    }

    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Event event, Long accumulator) {
      if (cost == null) cost = new WallTimeCost(costMicros);
      cost.charge();
      return accumulator + 1;
    }

    @Override
    public Long getResult(Long accumulator) {
      return accumulator;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  /** Emits (auction, count) with the window's end as `sequence`. */
  public static final class Emit extends ProcessWindowFunction<Long, Event, Long, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Long auction, Context context, Iterable<Long> counts, Collector<Event> out) {
      for (Long count : counts) out.collect(new Event(auction, 0, context.window().getEnd(), count));
    }
  }
}
