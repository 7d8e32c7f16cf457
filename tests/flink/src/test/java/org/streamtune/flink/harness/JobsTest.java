package org.streamtune.flink.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.junit.jupiter.api.Test;

/** Every job shape builds, one vertex per operator (chaining disabled). */
class JobsTest {
  private static List<String> vertexNames(String job) {
    HarnessOptions o = HarnessOptions.parse(new String[] {"--job=" + job, "--parallelism=2"});
    JobGraph graph = HarnessMain.buildJob(o, 0);
    List<String> names = new ArrayList<>();
    for (JobVertex v : graph.getVerticesSortedTopologicallyFromSources()) {
      names.add(v.getName());
      assertEquals(2, v.getParallelism(), v.getName());
      assertEquals(128, v.getMaxParallelism(), v.getName());
    }
    return names;
  }

  @Test
  void syntheticIsSourceParseAggregateSink() {
    assertEquals(List.of("Source: source", "parse", "aggregate", "sink: Writer"),
        vertexNames("synthetic"));
  }

  @Test
  void nexmarkShapes() {
    assertEquals(List.of("Source: bids", "currency", "sink: Writer"), vertexNames("q1"));
    assertEquals(5 + 1, vertexNames("q3").size());  // 2 sources, 2 filters, join, sink.
    assertEquals(List.of("Source: bids", "window", "hot-items", "sink: Writer"),
        vertexNames("q5"));
  }

  @Test
  void unknownJobIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> vertexNames("q9"));
  }
}
