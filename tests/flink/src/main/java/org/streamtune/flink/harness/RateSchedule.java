package org.streamtune.flink.harness;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A piecewise-constant arrival rate: "0:2000,60:4000" means 2000 records/s
 * from second 0 and 4000 records/s from second 60 on (seconds since the
 * harness's epoch). Immutable and thread-safe.
 */
public final class RateSchedule implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long[] startMs;
  private final double[] ratePerS;

  private RateSchedule(long[] startMs, double[] ratePerS) {
    this.startMs = startMs;
    this.ratePerS = ratePerS;
  }

  /** Parses "t:rate,t:rate,..."; the first step must start at 0. */
  public static RateSchedule parse(String text) {
    List<Long> steps = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    for (String part : text.split(",")) {
      String[] kv = part.trim().split(":");
      if (kv.length != 2) {
        throw new IllegalArgumentException("rate step \"" + part + "\" is not seconds:rate");
      }
      long seconds = Long.parseLong(kv[0].trim());
      double rate = Double.parseDouble(kv[1].trim());
      if (seconds < 0 || !(rate >= 0) || Double.isInfinite(rate)) {
        throw new IllegalArgumentException("rate step \"" + part + "\" out of range");
      }
      steps.add(seconds * 1000);
      rates.add(rate);
    }
    long[] start = new long[steps.size()];
    double[] rate = new double[steps.size()];
    for (int i = 0; i < start.length; i++) {
      start[i] = steps.get(i);
      rate[i] = rates.get(i);
      if (i > 0 && start[i] <= start[i - 1]) {
        throw new IllegalArgumentException("rate steps must be in increasing time order");
      }
    }
    if (start.length == 0 || start[0] != 0) {
      throw new IllegalArgumentException("the first rate step must start at second 0");
    }
    return new RateSchedule(start, rate);
  }

  /** The rate in records per second at `elapsedMs` after the epoch. */
  public double rateAt(long elapsedMs) {
    double rate = 0;
    for (int i = 0; i < startMs.length && startMs[i] <= elapsedMs; i++) rate = ratePerS[i];
    return rate;
  }

  /** Records that arrived in [0, elapsedMs), in total over all partitions. */
  public double arrivedBy(long elapsedMs) {
    double total = 0;
    for (int i = 0; i < startMs.length && startMs[i] < elapsedMs; i++) {
      long end = i + 1 < startMs.length ? Math.min(startMs[i + 1], elapsedMs) : elapsedMs;
      total += ratePerS[i] * (end - startMs[i]) / 1000.0;
    }
    return total;
  }
}
