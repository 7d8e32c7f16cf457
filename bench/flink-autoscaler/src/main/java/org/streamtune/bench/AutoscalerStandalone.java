package org.streamtune.bench;

import java.lang.reflect.Field;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.autoscaler.JobAutoScalerContext;
import org.apache.flink.autoscaler.JobAutoScalerImpl;
import org.apache.flink.autoscaler.RestApiMetricsCollector;
import org.apache.flink.autoscaler.ScalingExecutor;
import org.apache.flink.autoscaler.ScalingMetricEvaluator;
import org.apache.flink.autoscaler.config.AutoScalerOptions;
import org.apache.flink.autoscaler.event.LoggingEventHandler;
import org.apache.flink.autoscaler.realizer.ScalingRealizer;
import org.apache.flink.autoscaler.state.InMemoryAutoScalerStateStore;
import org.apache.flink.autoscaler.tuning.ConfigChanges;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Flink autoscaler against one Flink cluster's REST API:
 *
 * <pre>
 *   AutoscalerStandalone --rest=http://127.0.0.1:8081 --time-scale=12 \
 *       --interval=10s --max-parallelism=8
 * </pre>
 *
 * Every `interval`, each RUNNING job goes through JobAutoScalerImpl.scale
 * (the operator's algorithm, unchanged). The defaults of its windows
 * (metrics window, stabilisation, scale-down interval, catch-up, restart
 * time) are divided by `time-scale`, the factor streamtuned's
 * --flink_autoscaler_time_scale documents.
 */
public final class AutoscalerStandalone {
  private AutoscalerStandalone() {}

  /** Applies overrides in place: resource requirements, every vertex named. */
  static final class RescaleApiRealizer
      implements ScalingRealizer<JobID, JobAutoScalerContext<JobID>> {
    private final String rest;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    RescaleApiRealizer(String rest) {
      this.rest = rest;
    }

    @Override
    public void realizeParallelismOverrides(
        JobAutoScalerContext<JobID> context, Map<String, String> overrides) throws Exception {
      String url = rest + "/jobs/" + context.getJobID() + "/resource-requirements";
      HttpResponse<String> current =
          http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      ObjectNode requirements = (ObjectNode) json.readTree(current.body());
      boolean changed = false;
      for (Iterator<Map.Entry<String, JsonNode>> it = requirements.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> vertex = it.next();
        String wanted = overrides.get(vertex.getKey());
        if (wanted == null) continue;
        ObjectNode bounds = (ObjectNode) vertex.getValue().get("parallelism");
        int target = Integer.parseInt(wanted);
        changed |= bounds.get("upperBound").asInt() != target;
        bounds.put("upperBound", target);
        bounds.put("lowerBound", Math.min(target, bounds.get("lowerBound").asInt()));
      }
      if (!changed) return;
      HttpResponse<String> put =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Content-Type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(requirements)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      System.err.printf(
          "autoscaler: job %s rescale %s -> HTTP %d%n", context.getJobID(), overrides,
          put.statusCode());
    }

    @Override
    public void realizeConfigOverrides(JobAutoScalerContext<JobID> context, ConfigChanges changes) {
      // Memory tuning is off; nothing to do.
    }
  }

  /**
   * The windows streamtuned's flink-autoscaler policy scales by
   * --flink_autoscaler_time_scale (README "Policies"): metrics window,
   * stabilisation, scale-down interval, catch-up, restart time (and the cap
   * on tracked restart time). Timeouts and thresholds keep their defaults.
   */
  static final Set<String> SCALED_WINDOWS =
      Set.of(
          "job.autoscaler.metrics.window",
          "job.autoscaler.stabilization.interval",
          "job.autoscaler.scale-down.interval",
          "job.autoscaler.catch-up.duration",
          "job.autoscaler.restart.time",
          "job.autoscaler.restart.time-tracking.limit");

  /** AutoScalerOptions with the defaults of SCALED_WINDOWS divided by `scale`. */
  @SuppressWarnings("unchecked")
  static Configuration scaledOptions(double scale, int maxParallelism) throws Exception {
    Configuration conf = new Configuration();
    for (Field field : AutoScalerOptions.class.getFields()) {
      if (!(field.get(null) instanceof ConfigOption<?> option)
          || !SCALED_WINDOWS.contains(option.key())
          || !(option.defaultValue() instanceof Duration d)) {
        continue;
      }
      Duration scaled = Duration.ofMillis(Math.round(d.toMillis() / scale));
      conf.set((ConfigOption<Duration>) option, scaled);
      System.err.printf("autoscaler: %s %s -> %s%n", option.key(), d, scaled);
    }
    conf.set(AutoScalerOptions.AUTOSCALER_ENABLED, true);
    conf.set(AutoScalerOptions.SCALING_ENABLED, true);
    conf.set(AutoScalerOptions.VERTEX_MAX_PARALLELISM, maxParallelism);
    return conf;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) throw new IllegalArgumentException(arg);
      flags.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    String rest = flags.getOrDefault("rest", "http://127.0.0.1:8081");
    double scale = Double.parseDouble(flags.getOrDefault("time-scale", "12"));
    long intervalMs =
        Duration.parse("PT" + flags.getOrDefault("interval", "10s").toUpperCase()).toMillis();
    int maxParallelism = Integer.parseInt(flags.getOrDefault("max-parallelism", "8"));

    URI uri = URI.create(rest);
    Configuration client = new Configuration();
    client.set(RestOptions.ADDRESS, uri.getHost());
    client.set(RestOptions.PORT, uri.getPort());
    Configuration options = scaledOptions(scale, maxParallelism);

    var events = new LoggingEventHandler<JobID, JobAutoScalerContext<JobID>>();
    var store = new InMemoryAutoScalerStateStore<JobID, JobAutoScalerContext<JobID>>();
    var autoscaler =
        new JobAutoScalerImpl<>(
            new RestApiMetricsCollector<>(), new ScalingMetricEvaluator(),
            new ScalingExecutor<>(events, store), events, new RescaleApiRealizer(rest), store);
    try (RestClusterClient<String> jobs = new RestClusterClient<>(client, "standalone")) {
      while (true) {
        for (JobStatusMessage job : jobs.listJobs().get()) {
          if (job.getJobState() != JobStatus.RUNNING) continue;
          var context =
              new JobAutoScalerContext<>(
                  job.getJobId(), job.getJobId(), JobStatus.RUNNING, options,
                  new UnregisteredMetricsGroup(),
                  () -> new RestClusterClient<>(client, "standalone"));
          try {
            autoscaler.scale(context);
          } catch (Exception e) {
            System.err.println("autoscaler: " + e);
          }
        }
        Thread.sleep(intervalMs);
      }
    }
  }
}
