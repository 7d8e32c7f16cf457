package org.streamtune.flink.harness;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * Starts a Flink MiniCluster with the adaptive scheduler and its REST API on
 * 127.0.0.1, submits one harness job, writes {"rest_port", "job_id"} to the
 * port file and runs until killed (or, with --exit-with-stdin, until standard
 * input closes). Exit status 2 on bad flags, 1 when Flink fails to start.
 */
public final class HarnessMain {
  private HarnessMain() {}

  /**
   * The cluster settings docs/engines.md asks for in tests. Where Flink 2.x
   * renamed a key, both names are set: 1.20 ignores the new one, and 2.x
   * reads the new one first (the old one is only its deprecated fallback).
   */
  static Configuration clusterConfiguration(HarnessOptions o) {
    Map<String, String> c = new HashMap<>();
    c.put("rest.address", "127.0.0.1");
    c.put("rest.bind-address", "127.0.0.1");
    c.put("rest.bind-port", Integer.toString(o.restPort));
    c.put("jobmanager.scheduler", "adaptive");
    // Rescale as soon as new requirements arrive (default: 30 s between
    // rescales), and do not wait for more slots before starting: the
    // MiniCluster has them all. 1.20 keys, then their 2.x names.
    c.put("jobmanager.adaptive-scheduler.scaling-interval.min", "0 s");
    c.put("jobmanager.adaptive-scheduler.resource-stabilization-timeout", "0 s");
    c.put("jobmanager.adaptive-scheduler.executing.cooldown-after-rescaling", "0 s");
    c.put("jobmanager.adaptive-scheduler.submission.resource-stabilization-timeout", "0 s");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(o.slots));
    // The REST handlers serve metrics fetched at this interval (default 10 s):
    // values are up to this old, which matters for short snapshot windows.
    c.put("metrics.fetcher.update-interval", "500");
    c.put("web.refresh-interval", "500");
    // Small network buffers: with Flink's 32 KB a buffer holds ~700 harness
    // records, and the ~10 in flight per channel hide seconds of work, so
    // backpressure and backlog would show up seconds late and in bursts.
    c.put("taskmanager.memory.segment-size", "4kb");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "1000");
    c.put("restart-strategy.fixed-delay.delay", "1 s");
    return Configuration.fromMap(c);
  }

  static JobGraph buildJob(HarnessOptions o, long epochMs) {
    StreamExecutionEnvironment env = new StreamExecutionEnvironment(clusterConfiguration(o));
    env.disableOperatorChaining();
    env.enableCheckpointing(o.checkpointMs);
    env.setMaxParallelism(o.maxParallelism);
    Jobs.build(env, o, epochMs);
    String name = o.jobName.isEmpty() ? "streamtune-harness-" + o.job : o.jobName;
    StreamGraph graph = env.getStreamGraph(true);
    graph.setJobName(name);
    return graph.getJobGraph();
  }

  public static void main(String[] args) throws Exception {
    HarnessOptions options;
    try {
      options = HarnessOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("harness: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.exitWithStdin) exitWhenStdinCloses();

    Configuration config = clusterConfiguration(options);
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(options.slots)
                .build());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(cluster)));
    try {
      cluster.start();
      URI rest = cluster.getRestAddress().get();
      long epochMs = System.currentTimeMillis();
      JobGraph job = buildJob(options, epochMs);
      JobID id = cluster.submitJob(job).get().getJobID();
      writePortFile(options.portFile, rest.getPort(), id);
      System.err.printf(
          "harness: job %s (%s) on REST port %d%n", id, options.job, rest.getPort());
    } catch (Exception e) {
      System.err.println("harness: Flink failed to start: " + e);
      System.exit(1);
    }
    Thread.currentThread().join();
  }

  private static void writePortFile(String path, int port, JobID id) throws IOException {
    if (path.isEmpty()) return;
    String json = String.format("{\"rest_port\": %d, \"job_id\": \"%s\"}%n", port, id);
    Path target = Path.of(path);
    Path temp = Path.of(path + ".tmp");
    Files.writeString(temp, json, StandardCharsets.UTF_8);
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void exitWhenStdinCloses() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() >= 0) {}
              } catch (IOException e) {
                // Treated like end of input.
              }
              System.err.println("harness: standard input closed, exiting");
              System.exit(0);
            },
            "stdin-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void closeQuietly(MiniCluster cluster) {
    try {
      cluster.close();
    } catch (Exception e) {
      System.err.println("harness: closing the MiniCluster: " + e);
    }
  }
}
