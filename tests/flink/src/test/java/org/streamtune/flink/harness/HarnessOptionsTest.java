package org.streamtune.flink.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HarnessOptionsTest {
  @Test
  void parsesCostsAndParallelismPerOperator() {
    HarnessOptions o =
        HarnessOptions.parse(
            new String[] {
              "--job=q5", "--cost-us=window:800,hot-items:100", "--parallelism=2",
              "--parallelism-of=sink:1", "--exit-with-stdin"
            });
    assertEquals("q5", o.job);
    assertEquals(800, o.cost("window"));
    assertEquals(0, o.cost("bids"));
    assertEquals(2, o.parallelismOf("window"));
    assertEquals(1, o.parallelismOf("sink"));
    assertTrue(o.exitWithStdin);
  }

  @Test
  void namesTheBadFlag() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--slots=x"}));
    assertTrue(e.getMessage().contains("--slots"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--nope=1"}));
  }
}
