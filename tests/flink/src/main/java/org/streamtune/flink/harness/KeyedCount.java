package org.streamtune.flink.harness;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A keyed aggregate: counts records per key in keyed state (so rescaling
 * moves real state) and emits the running count. Per-record cost is wall
 * time; with hot keys the instance owning key 0 saturates first.
 */
public final class KeyedCount extends KeyedProcessFunction<Long, Event, Event> {
  private static final long serialVersionUID = 1L;
  private final long costMicros;
  private transient WallTimeCost cost;
  private transient ValueState<Long> count;

  public KeyedCount(long costMicros) {
    this.costMicros = costMicros;
  }

  @Override
  public void open(OpenContext context) {
    cost = new WallTimeCost(costMicros);
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
  }

  @Override
  public void processElement(Event event, Context context, Collector<Event> out)
      throws Exception {
    cost.charge();
    Long before = count.value();
    long now = before == null ? 1 : before + 1;
    count.update(now);
    out.collect(new Event(event.key, event.partition, event.sequence, now));
  }
}
