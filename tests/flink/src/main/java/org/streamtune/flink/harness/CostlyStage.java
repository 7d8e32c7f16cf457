package org.streamtune.flink.harness;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A stateless stage (map or filter) whose per-record cost is wall time. It
 * forwards `keepPerMillion` of every million records, chosen by the
 * record's hash (1,000,000: a map; fewer: a filter).
 */
public final class CostlyStage extends ProcessFunction<Event, Event> {
  private static final long serialVersionUID = 1L;
  private final long costMicros;
  private final long keepPerMillion;
  private transient WallTimeCost cost;

  public CostlyStage(long costMicros, long keepPerMillion) {
    this.costMicros = costMicros;
    this.keepPerMillion = keepPerMillion;
  }

  @Override
  public void processElement(Event event, Context context, Collector<Event> out) {
    if (cost == null) cost = new WallTimeCost(costMicros);
    cost.charge();
    if (Math.floorMod(event.value >>> 7, 1_000_000L) < keepPerMillion) out.collect(event);
  }
}
