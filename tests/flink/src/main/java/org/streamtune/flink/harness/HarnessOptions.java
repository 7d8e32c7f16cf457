package org.streamtune.flink.harness;

import java.util.HashMap;
import java.util.Map;

/**
 * Command-line options of the harness, "--name=value" each. Unknown names
 * and malformed values are errors (IllegalArgumentException naming the flag).
 */
public final class HarnessOptions {
  /** synthetic, q1, q3 or q5 (see Jobs). */
  public String job = "synthetic";
  public String jobName = "";
  /** Rate steps of the main source ("0:2000,60:4000"); q3: persons. */
  public String rate = "0:1000";
  /** q3 only: rate steps of the auctions source. */
  public String rate2 = "0:1000";
  /** Per-operator wall-time cost per record in microseconds ("aggregate:1500,parse:200"). */
  public Map<String, Long> costMicros = new HashMap<>();
  /** Initial parallelism of every operator, and per-operator overrides. */
  public int parallelism = 1;
  public Map<String, Long> parallelismOf = new HashMap<>();
  /** What the sources report: "pending" (pendingRecords) or "time-lag" (TimeLagSource). */
  public String source = "pending";
  public double hotKeyFraction = 0;
  public long keys = 10_000;
  public int partitions = 12;
  public int slots = 8;
  public int maxParallelism = 128;
  public long checkpointMs = 1000;
  /** REST port on 127.0.0.1; 0 picks a free one (written to the port file). */
  public int restPort = 0;
  public String portFile = "";
  /** Exit when standard input closes (the parent died or hung up). */
  public boolean exitWithStdin = false;

  public static HarnessOptions parse(String[] args) {
    HarnessOptions o = new HarnessOptions();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        if (arg.equals("--exit-with-stdin")) {
          o.exitWithStdin = true;
          continue;
        }
        throw new IllegalArgumentException("expected --name=value, got \"" + arg + "\"");
      }
      String name = arg.substring(2, arg.indexOf('='));
      String value = arg.substring(arg.indexOf('=') + 1);
      try {
        o.set(name, value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + ": not a number: \"" + value + "\"");
      }
    }
    RateSchedule.parse(o.rate);
    RateSchedule.parse(o.rate2);
    if (o.slots < 1 || o.parallelism < 1 || o.partitions < 1) {
      throw new IllegalArgumentException("--slots, --parallelism and --partitions must be >= 1");
    }
    return o;
  }

  private void set(String name, String value) {
    switch (name) {
      case "job" -> job = value;
      case "job-name" -> jobName = value;
      case "rate" -> rate = value;
      case "rate2" -> rate2 = value;
      case "cost-us" -> costMicros = parseMap(name, value);
      case "parallelism" -> parallelism = Integer.parseInt(value);
      case "parallelism-of" -> parallelismOf = parseMap(name, value);
      case "source" -> source = TimeLagSource.checkKind(value);
      case "hot-key-fraction" -> hotKeyFraction = Double.parseDouble(value);
      case "keys" -> keys = Long.parseLong(value);
      case "partitions" -> partitions = Integer.parseInt(value);
      case "slots" -> slots = Integer.parseInt(value);
      case "max-parallelism" -> maxParallelism = Integer.parseInt(value);
      case "checkpoint-ms" -> checkpointMs = Long.parseLong(value);
      case "rest-port" -> restPort = Integer.parseInt(value);
      case "port-file" -> portFile = value;
      default -> throw new IllegalArgumentException("unknown flag --" + name);
    }
  }

  private static Map<String, Long> parseMap(String flag, String value) {
    Map<String, Long> map = new HashMap<>();
    if (value.isEmpty()) return map;
    for (String part : value.split(",")) {
      String[] kv = part.split(":");
      if (kv.length != 2) {
        throw new IllegalArgumentException("--" + flag + ": \"" + part + "\" is not name:number");
      }
      map.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
    }
    return map;
  }

  public long cost(String operator) {
    return costMicros.getOrDefault(operator, 0L);
  }

  public int parallelismOf(String operator) {
    return parallelismOf.getOrDefault(operator, (long) parallelism).intValue();
  }
}
