package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class JsonLineWriterTest {

  @Test
  void slowConsumerLosesNothing() throws Exception {
    SlowStream slow = new SlowStream();
    JsonLineWriter writer = new JsonLineWriter(slow, 4);
    int producers = 4;
    int perProducer = 500;
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int id = p;
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < perProducer; i++) {
                  writer.write("{\"p\":" + id + ",\"i\":" + i + ",\"s\":\"é€\"}");
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();

    String[] lines = slow.text().split("\n", -1);
    assertThat(lines).hasSize(producers * perProducer + 1);
    assertThat(lines[lines.length - 1]).isEmpty();
    Set<String> distinct = new HashSet<>(List.of(lines));
    assertThat(distinct).hasSize(producers * perProducer + 1);
    assertThat(writer.recordsWritten()).isEqualTo((long) producers * perProducer);
    assertThat(writer.bytesWritten()).isEqualTo(slow.size());
    assertThat(writer.recordsDropped()).isZero();
    writer.close();
  }

  @Test
  void closeDrainsTheQueueAndLaterLinesAreWrittenDirectly() throws Exception {
    SlowStream slow = new SlowStream();
    JsonLineWriter writer = new JsonLineWriter(slow, 1000);
    for (int i = 0; i < 200; i++) {
      writer.write("{\"i\":" + i + "}");
    }
    assertThat(writer.close(Duration.ofSeconds(30))).isTrue();
    assertThat(slow.text().lines()).hasSize(200);
    writer.write("{\"late\":true}");
    assertThat(slow.text()).endsWith("{\"i\":199}\n{\"late\":true}\n");
    assertThat(writer.recordsWritten()).isEqualTo(201);
  }

  @Test
  void interruptedProducerStillQueuesItsLine() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonLineWriter writer = new JsonLineWriter(out, 2);
    Thread.currentThread().interrupt();
    writer.write("{}");
    assertThat(Thread.interrupted()).isTrue();
    assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{}\n");
    writer.close();
  }

  /** A stream that takes its time, so that producers fill the queue. */
  static final class SlowStream extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      LockSupport.parkNanos(20_000);
      bytes.write(b, off, len);
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    synchronized long size() {
      return bytes.size();
    }
  }
}
