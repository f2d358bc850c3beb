package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SignalsTest {
  private static final int SIGUSR2 = 12;

  @Test
  void handlerRunsWhenTheSignalArrives() throws InterruptedException {
    CountDownLatch delivered = new CountDownLatch(2);
    Signals.handle("USR2", delivered::countDown);

    long self = ProcessHandle.current().pid();
    assertThat(Libc.kill(self, SIGUSR2)).isTrue();
    // Signals of one kind may coalesce: send the second only after the first was handled.
    assertThat(waitForCount(delivered, 1)).isTrue();
    assertThat(Libc.kill(self, SIGUSR2)).isTrue();
    assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
  }

  private static boolean waitForCount(CountDownLatch latch, long count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (latch.getCount() > count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  @Test
  void killOfAMissingProcessIsFalse() throws Exception {
    Process p = new ProcessBuilder("true").start();
    long pid = p.pid();
    assertThat(p.waitFor()).isZero();
    // The pid is free once reaped; reuse within this test is vanishingly unlikely.
    assertThat(Libc.kill(pid, 0)).isFalse();
  }
}
