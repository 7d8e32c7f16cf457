package org.streamtune.flink.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RateScheduleTest {
  @Test
  void integratesPiecewiseConstantRates() {
    RateSchedule s = RateSchedule.parse("0:100,10:300");
    assertEquals(0, s.arrivedBy(0), 1e-9);
    assertEquals(500, s.arrivedBy(5_000), 1e-9);
    assertEquals(1000, s.arrivedBy(10_000), 1e-9);
    assertEquals(1600, s.arrivedBy(12_000), 1e-9);
    assertEquals(100, s.rateAt(9_999), 1e-9);
    assertEquals(300, s.rateAt(10_000), 1e-9);
  }

  @Test
  void rejectsMalformedSteps() {
    assertThrows(IllegalArgumentException.class, () -> RateSchedule.parse("5:100"));
    assertThrows(IllegalArgumentException.class, () -> RateSchedule.parse("0:100,0:200"));
    assertThrows(IllegalArgumentException.class, () -> RateSchedule.parse("0-100"));
    assertThrows(IllegalArgumentException.class, () -> RateSchedule.parse("0:-1"));
  }
}
