package org.streamtune.flink.harness;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Nexmark q5's second stage, keyed by window end: keeps the highest bid
 * count seen for the window and emits each new maximum.
 */
public final class HotItems extends KeyedProcessFunction<Long, Event, Event> {
  private static final long serialVersionUID = 1L;
  private final long costMicros;
  private transient WallTimeCost cost;
  private transient ValueState<Long> best;

  public HotItems(long costMicros) {
    this.costMicros = costMicros;
  }

  @Override
  public void open(OpenContext context) {
    cost = new WallTimeCost(costMicros);
    best = getRuntimeContext().getState(new ValueStateDescriptor<>("best", Long.class));
  }

  @Override
  public void processElement(Event windowCount, Context context, Collector<Event> out)
      throws Exception {
    cost.charge();
    Long before = best.value();
    if (before == null || windowCount.value > before) {
      best.update(windowCount.value);
      out.collect(windowCount);
    }
  }
}
