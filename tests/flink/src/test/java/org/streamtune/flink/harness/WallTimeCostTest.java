package org.streamtune.flink.harness;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WallTimeCostTest {
  @Test
  void chargesWallTimePerRecord() {
    WallTimeCost cost = new WallTimeCost(500);
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) cost.charge();
    double ms = (System.nanoTime() - start) / 1e6;
    // 100 records at 0.5 ms: 50 ms, give or take the last unslept fraction.
    assertTrue(ms >= 49 && ms < 500, "took " + ms + " ms");
  }

  @Test
  void zeroCostNeverSleeps() {
    WallTimeCost cost = new WallTimeCost(0);
    long start = System.nanoTime();
    for (int i = 0; i < 100_000; i++) cost.charge();
    assertTrue((System.nanoTime() - start) / 1e6 < 500);
  }
}
