package org.streamtune.flink.harness;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Nexmark q3's incremental join, keyed by person id: remembers that a
 * person was seen (first input) and emits each auction (second input)
 * whose seller is a known person. Per-record cost is wall time.
 */
public final class SellerJoin extends KeyedCoProcessFunction<Long, Event, Event, Event> {
  private static final long serialVersionUID = 1L;
  private final long costMicros;
  private transient WallTimeCost cost;
  private transient ValueState<Boolean> personSeen;

  public SellerJoin(long costMicros) {
    this.costMicros = costMicros;
  }

  @Override
  public void open(OpenContext context) {
    cost = new WallTimeCost(costMicros);
    personSeen =
        getRuntimeContext().getState(new ValueStateDescriptor<>("person", Boolean.class));
  }

  @Override
  public void processElement1(Event person, Context context, Collector<Event> out)
      throws Exception {
    cost.charge();
    personSeen.update(Boolean.TRUE);
  }

  @Override
  public void processElement2(Event auction, Context context, Collector<Event> out)
      throws Exception {
    cost.charge();
    if (personSeen.value() != null) out.collect(auction);
  }
}
