package org.streamtune.flink.harness;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.windowing.assigners.SlidingProcessingTimeWindows;

/**
 * The job shapes the harness runs. Every operator is its own vertex (chaining
 * is disabled by the caller) named as below, with a uid equal to its name;
 * costs and initial parallelism come from the options by those names.
 *
 * <ul>
 *   <li>synthetic: source → parse → (hash) aggregate → sink
 *   <li>q1 (currency conversion): bids → currency → sink
 *   <li>q3 (local item suggestion): persons → filter-persons, auctions →
 *       filter-auctions, both (hash) → join → sink
 *   <li>q5 (hot items): bids → (hash) window → (hash) hot-items → sink
 * </ul>
 */
public final class Jobs {
  private Jobs() {}

  public static void build(StreamExecutionEnvironment env, HarnessOptions o, long epochMs) {
    switch (o.job) {
      case "synthetic" -> synthetic(env, o, epochMs);
      case "q1" -> q1(env, o, epochMs);
      case "q3" -> q3(env, o, epochMs);
      case "q5" -> q5(env, o, epochMs);
      default -> throw new IllegalArgumentException("--job: unknown job \"" + o.job + "\"");
    }
  }

  private static DataStream<Event> source(
      StreamExecutionEnvironment env, HarnessOptions o, long epochMs, String name, String rate) {
    RateSource.Config config = new RateSource.Config();
    config.schedule = RateSchedule.parse(rate);
    config.epochMs = epochMs;
    config.partitions = o.partitions;
    config.keys = o.keys;
    config.hotKeyFraction = o.hotKeyFraction;
    config.costMicros = o.cost(name);
    return env.fromSource(
            TimeLagSource.of(o.source, config), WatermarkStrategy.noWatermarks(), name,
            TypeInformation.of(Event.class))
        .uid(name)
        .setParallelism(o.parallelismOf(name));
  }

  private static SingleOutputStreamOperator<Event> stage(
      DataStream<Event> in, HarnessOptions o, String name, long keepPerMillion) {
    return in.process(new CostlyStage(o.cost(name), keepPerMillion))
        .name(name)
        .uid(name)
        .setParallelism(o.parallelismOf(name));
  }

  private static void sink(DataStream<Event> in, HarnessOptions o) {
    in.sinkTo(new DiscardingSink<>()).name("sink").uid("sink").setParallelism(o.parallelismOf("sink"));
  }

  private static void synthetic(StreamExecutionEnvironment env, HarnessOptions o, long epochMs) {
    DataStream<Event> parsed = stage(source(env, o, epochMs, "source", o.rate), o, "parse", 1_000_000);
    DataStream<Event> counted =
        parsed
            .keyBy(e -> e.key)
            .process(new KeyedCount(o.cost("aggregate")))
            .name("aggregate")
            .uid("aggregate")
            .setParallelism(o.parallelismOf("aggregate"));
    sink(counted, o);
  }

  private static void q1(StreamExecutionEnvironment env, HarnessOptions o, long epochMs) {
    sink(stage(source(env, o, epochMs, "bids", o.rate), o, "currency", 1_000_000), o);
  }

  private static void q3(StreamExecutionEnvironment env, HarnessOptions o, long epochMs) {
    // Nexmark keeps persons from 3 of 50 states and auctions of 1 of 10 categories.
    DataStream<Event> persons =
        stage(source(env, o, epochMs, "persons", o.rate), o, "filter-persons", 60_000);
    DataStream<Event> auctions =
        stage(source(env, o, epochMs, "auctions", o.rate2), o, "filter-auctions", 100_000);
    DataStream<Event> joined =
        persons
            .connect(auctions)
            .keyBy(p -> p.key, a -> a.key)
            .process(new SellerJoin(o.cost("join")))
            .name("join")
            .uid("join")
            .setParallelism(o.parallelismOf("join"));
    sink(joined, o);
  }

  private static void q5(StreamExecutionEnvironment env, HarnessOptions o, long epochMs) {
    DataStream<Event> counts =
        source(env, o, epochMs, "bids", o.rate)
            .keyBy(e -> e.key)
            .window(SlidingProcessingTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(2)))
            .aggregate(new WindowCount.Count(o.cost("window")), new WindowCount.Emit())
            .name("window")
            .uid("window")
            .setParallelism(o.parallelismOf("window"));
    DataStream<Event> hot =
        counts
            .keyBy(e -> e.sequence)
            .process(new HotItems(o.cost("hot-items")))
            .name("hot-items")
            .uid("hot-items")
            .setParallelism(o.parallelismOf("hot-items"));
    sink(hot, o);
  }
}
