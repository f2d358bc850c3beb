package io.pgwarden.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalWatcherTest {
  private static final Duration SETTLE = Duration.ofMillis(50);

  /** Long enough that no resync fires during a test. */
  private static final Duration NO_RESYNC = Duration.ofMinutes(10);

  /** How long a test waits for a callback that must come. */
  private static final long COMES = 10;

  /** How long a test waits to see that a callback does not come. */
  private static final long QUIET_MILLIS = 600;

  @TempDir Path dir;

  private final Semaphore fired = new Semaphore(0);

  private LocalWatcher watcher;

  private void watch(List<Path> roots, List<Path> files, Duration resync) throws IOException {
    watcher = new LocalWatcher(roots, files, SETTLE, resync, fired::release);
    watcher.start();
  }

  @AfterEach
  void stop() throws IOException {
    if (watcher != null) {
      watcher.close();
    }
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  @Test
  void otherFilesNextToTheSpecAreNoChange() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    write(spec, "spec: {}\n");
    watch(List.of(), List.of(spec), NO_RESYNC);
    for (int i = 0; i < 20; i++) {
      write(dir.resolve("pgwarden.log"), "line " + i + "\n");
      Files.deleteIfExists(dir.resolve("scratch-" + (i - 1)));
      write(dir.resolve("scratch-" + i), "x");
    }
    assertFalse(
        fired.tryAcquire(QUIET_MILLIS, TimeUnit.MILLISECONDS),
        "writes to other files in the spec's directory fired the callback");
    write(spec, "spec: {instances: 2}\n");
    assertTrue(
        fired.tryAcquire(COMES, TimeUnit.SECONDS), "the watcher stopped seeing the spec itself");
  }

  @Test
  void aChangedSpecFiresOnceAfterTheSettle() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    write(spec, "spec: {}\n");
    watch(List.of(), List.of(spec), NO_RESYNC);
    write(spec, "spec: {instances: 1}\n");
    write(spec, "spec: {instances: 2}\n");
    assertTrue(fired.tryAcquire(COMES, TimeUnit.SECONDS), "the spec's change was not seen");
    assertFalse(
        fired.tryAcquire(QUIET_MILLIS, TimeUnit.MILLISECONDS),
        "two writes within the settle fired twice");
  }

  @Test
  void aSpecRenamedIntoPlaceIsAChange() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    write(spec, "spec: {}\n");
    watch(List.of(), List.of(spec), NO_RESYNC);
    Path tmp = dir.resolve(".cluster.yaml.swp");
    write(tmp, "spec: {instances: 3}\n");
    Files.move(tmp, spec, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(fired.tryAcquire(COMES, TimeUnit.SECONDS), "an editor's rename was not seen");
  }

  @Test
  void aMountedConfigMapsSymlinkSwapIsAChange() throws Exception {
    // A ConfigMap mounted as a volume: cluster.yaml -> ..data/cluster.yaml, ..data -> ..v1; an
    // update writes ..v2 and renames a new ..data over the old one.
    Files.createDirectory(dir.resolve("..v1"));
    write(dir.resolve("..v1/cluster.yaml"), "spec: {}\n");
    Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v1"));
    Path spec = dir.resolve("cluster.yaml");
    Files.createSymbolicLink(spec, Path.of("..data/cluster.yaml"));
    watch(List.of(), List.of(spec), NO_RESYNC);
    Files.createDirectory(dir.resolve("..v2"));
    write(dir.resolve("..v2/cluster.yaml"), "spec: {instances: 2}\n");
    Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..v2"));
    Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    assertTrue(fired.tryAcquire(COMES, TimeUnit.SECONDS), "the ..data swap was not seen");
  }

  @Test
  void anyChangeUnderARootIsAChange() throws Exception {
    Path secrets = Files.createDirectory(dir.resolve("secrets"));
    Path app = Files.createDirectory(secrets.resolve("c-app"));
    watch(List.of(secrets), List.of(), NO_RESYNC);
    write(app.resolve("password"), "s3cret");
    assertTrue(fired.tryAcquire(COMES, TimeUnit.SECONDS), "a Secret's key change was not seen");
    Path added = Files.createDirectory(secrets.resolve("c-replication"));
    assertTrue(fired.tryAcquire(COMES, TimeUnit.SECONDS), "a new Secret was not seen");
    write(added.resolve("tls.crt"), "cert");
    assertTrue(
        fired.tryAcquire(COMES, TimeUnit.SECONDS), "a key of a Secret created later was not seen");
  }

  @Test
  void theResyncFiresWhileOtherFilesKeepChanging() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    write(spec, "spec: {}\n");
    watch(List.of(), List.of(spec), Duration.ofMillis(300));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(COMES);
    int resyncs = 0;
    while (resyncs < 2 && System.nanoTime() < end) {
      write(dir.resolve("pgwarden.log"), "busy\n");
      if (fired.tryAcquire(20, TimeUnit.MILLISECONDS)) {
        resyncs++;
      }
    }
    assertEquals(2, resyncs, "the periodic resync stopped while another file kept changing");
  }
}
