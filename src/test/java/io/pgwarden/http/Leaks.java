package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty's leak detector at PARANOID with a listener that records every leak report, so a test can
 * assert that none happened (the reports would otherwise only reach a log line).
 */
final class Leaks {
  private static final List<String> REPORTED = new CopyOnWriteArrayList<>();
  private static volatile boolean installed;

  private Leaks() {}

  static synchronized void install() throws ReflectiveOperationException {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    if (installed) {
      return;
    }
    // Every ByteBuf made leak-aware shares this detector.
    Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
    field.setAccessible(true);
    ((ResourceLeakDetector<?>) field.get(null))
        .setLeakListener((type, records) -> REPORTED.add(type + ": " + records));
    installed = true;
  }

  /** Collects garbage and allocates, which is when the detector reports; returns the reports. */
  static List<String> collect() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(20);
      for (int j = 0; j < 100; j++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(8);
        b.release();
      }
    }
    return List.copyOf(REPORTED);
  }

  static void assertNone() throws InterruptedException {
    assertThat(collect()).as("netty leak reports").isEmpty();
  }

  static void clear() {
    REPORTED.clear();
  }
}
