package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.logs.LogLevel;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Hundreds of random orders of crashes, reloads, failed starts and shutdowns, from a fixed seed,
 * under each restart policy, with delays of milliseconds so that they run in seconds. A failure
 * names the order's seed and its steps; {@link SupervisorOrder} says which rules are checked.
 */
class SupervisorOrdersTest {
  private static final long SEED = 20_240_613L;
  private static final int ORDERS_PER_POLICY = 100;
  private static final ShutdownPolicy STOP =
      new ShutdownPolicy(Duration.ofMillis(8), Duration.ofMillis(20));
  private static final Duration INITIAL = Duration.ofMillis(2);
  private static final Duration MAX = Duration.ofMillis(16);

  @Test
  void backoffThatRemembersEveryCrash() throws Exception {
    playAll(new RestartPolicy(true, INITIAL, MAX, Duration.ofDays(1)), 1);
  }

  @Test
  void backoffThatForgetsAfterEveryRun() throws Exception {
    playAll(new RestartPolicy(true, INITIAL, MAX, Duration.ZERO), 2);
  }

  @Test
  void exitOnCrash() throws Exception {
    playAll(RestartPolicy.exitOnCrash(), 3);
  }

  private static void playAll(RestartPolicy policy, long salt) throws Exception {
    // Thousands of crash, start and stop lines otherwise; a failure names the seed to replay.
    LogLevel level = JsonLogging.level();
    JsonLogging.setLevel(LogLevel.ERROR);
    JsonLineWriter discard = new JsonLineWriter(OutputStream.nullOutputStream(), 1024);
    JsonLogging.setWriter(discard);
    ExecutorService background = Executors.newCachedThreadPool();
    int played = 0;
    try {
      for (int i = 0; i < ORDERS_PER_POLICY; i++) {
        long seed = SEED * 31 * salt + i;
        SupervisorOrder order = new SupervisorOrder(seed, policy, STOP, background);
        try {
          order.play();
        } catch (AssertionError | Exception e) {
          fail("order with seed " + seed + " " + order.played() + " under " + policy, e);
        }
        played++;
      }
    } finally {
      background.shutdownNow();
      JsonLogging.setWriter(null);
      JsonLogging.setLevel(level);
      discard.close();
    }
    assertThat(played).isEqualTo(ORDERS_PER_POLICY);
  }
}
