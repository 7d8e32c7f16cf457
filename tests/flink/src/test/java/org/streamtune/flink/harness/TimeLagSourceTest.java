package org.streamtune.flink.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TimeLagSourceTest {
  private static RateSource.Config config() {
    RateSource.Config c = new RateSource.Config();
    c.schedule = RateSchedule.parse("0:1000");  // 500 rec/s per partition.
    c.partitions = 2;
    c.epochMs = 10_000;
    return c;
  }

  @Test
  void lagIsTheAgeOfTheOldestUnreadRecord() {
    // At 20 s, 5000 records per partition have arrived; record 3000 of a
    // partition arrived at 6.002 s (the first instant more than 3000 had).
    assertEquals(20_000 - 10_000 - 6_002, TimeLagSource.millisBehind(config(), new long[] {4000, 3000}, 20_000));
  }

  @Test
  void noLagWhenEverythingIsRead() {
    assertEquals(0, TimeLagSource.millisBehind(config(), new long[] {5000, 5000}, 20_000));
    assertEquals(0, TimeLagSource.millisBehind(config(), new long[] {}, 20_000));
  }

  @Test
  void theOptionSelectsTheSource() {
    assertInstanceOf(TimeLagSource.class, TimeLagSource.of("time-lag", config()));
    assertInstanceOf(RateSource.class, TimeLagSource.of("pending", config()));
    assertThrows(
        IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--source=kafka"}));
    assertEquals("time-lag", HarnessOptions.parse(new String[] {"--source=time-lag"}).source);
  }
}
