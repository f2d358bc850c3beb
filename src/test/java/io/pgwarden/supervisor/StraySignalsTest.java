package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StraySignalsTest {
  private final AtomicLong now = new AtomicLong();
  private final StraySignals strays = new StraySignals(now::get);

  @Test
  void theFirstOfEachSignalIsLogged() {
    assertThat(strays.arrived("USR1"))
        .hasValue("SIGUSR1 received and ignored: pgwarden has no use for it");
    assertThat(strays.arrived("ALRM"))
        .hasValue("SIGALRM received and ignored: pgwarden has no use for it");
  }

  @Test
  void laterOnesAtMostOnceAQuietPeriodWithTheirCount() {
    strays.arrived("USR1");
    for (int i = 0; i < 1000; i++) {
      assertThat(strays.arrived("USR1")).as("arrival %d, within the quiet period", i).isEmpty();
    }
    now.addAndGet(StraySignals.QUIET.toNanos());
    assertThat(strays.arrived("USR1"))
        .hasValue("SIGUSR1 received and ignored (1001 since the last such line)");
    assertThat(strays.arrived("USR1")).isEmpty();
  }

  @Test
  void everyStraySignalCanBeCaughtInThisJvm() {
    // The JVM refuses the signals it owns outright: none of those may be on the list.
    for (String name : StraySignals.NAMES) {
      assertThat(name).isNotIn("QUIT", "ILL", "FPE", "SEGV", "KILL", "STOP", "BUS", "PIPE", "XFSZ");
    }
    StraySignals.install();
  }
}
