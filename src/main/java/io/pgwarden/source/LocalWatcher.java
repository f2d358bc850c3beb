package io.pgwarden.source;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when the spec file, a Secret or a ConfigMap directory changed. Events are coalesced: the
 * callback runs once the files have been quiet for {@code settle}, so an editor's save or a
 * Kubernetes-style symlink swap of several files is one change. A periodic resync fires the
 * callback anyway, in case an event was lost (inotify queue overflow, a directory replaced).
 *
 * <p>A watched file (the spec) is watched through its directory, which may hold anything else (a
 * log being written, other programs' files): only events naming the file, or a name starting with
 * {@code ..} (the {@code ..data} symlink swap of a mounted ConfigMap), count as a change; the
 * others neither fire the callback nor delay the settle or the resync.
 */
public final class LocalWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalWatcher.class);

  private static final WatchEvent.Kind<?>[] KINDS = {
    StandardWatchEventKinds.ENTRY_CREATE,
    StandardWatchEventKinds.ENTRY_MODIFY,
    StandardWatchEventKinds.ENTRY_DELETE
  };

  private final WatchService watcher;
  private final List<Path> roots;

  /** The directories of the watched files, with the names in each that count. */
  private final Map<Path, Set<Path>> files = new HashMap<>();

  /** The roots and their subdirectories: every change in them counts. */
  private final Set<Path> whole = new HashSet<>();

  private final Duration settle;
  private final Duration resync;
  private final Runnable onChange;
  private final Thread thread;

  /**
   * Watches {@code roots} with their subdirectories (one level: {@code DIR/<name>/}, as Secrets are
   * laid out), where any change counts, and the single {@code files} (the spec file) through their
   * directories, where only changes of those files count.
   */
  public LocalWatcher(
      List<Path> roots, List<Path> files, Duration settle, Duration resync, Runnable onChange)
      throws IOException {
    this.watcher = FileSystems.getDefault().newWatchService();
    this.roots = List.copyOf(roots);
    this.settle = settle;
    this.resync = resync;
    this.onChange = onChange;
    for (Path root : this.roots) {
      register(root);
    }
    for (Path file : files) {
      Path abs = file.toAbsolutePath();
      Path dir = abs.getParent();
      if (dir != null && Files.isDirectory(dir)) {
        if (!this.files.containsKey(dir) && !isWhole(dir)) {
          dir.register(watcher, KINDS);
        }
        this.files.computeIfAbsent(dir, d -> new HashSet<>()).add(abs.getFileName());
      }
    }
    this.thread = new Thread(this::loop, "pgwarden-watch");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void register(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    registerWhole(root);
    try (Stream<Path> children = Files.list(root)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
          registerWhole(child);
        }
      }
    }
  }

  private synchronized void registerWhole(Path dir) throws IOException {
    dir.register(watcher, KINDS);
    whole.add(dir);
  }

  private synchronized boolean isWhole(Path dir) {
    return whole.contains(dir);
  }

  private void loop() {
    long resyncAt = System.nanoTime() + resync.toNanos();
    try {
      while (!Thread.currentThread().isInterrupted()) {
        WatchKey key = watcher.poll(waitMillis(resyncAt), TimeUnit.MILLISECONDS);
        if (key == null || !drain(key)) {
          if (System.nanoTime() - resyncAt >= 0) {
            fire("periodic resync");
            resyncAt = System.nanoTime() + resync.toNanos();
          }
          continue;
        }
        // Settle: until no change of ours for a whole settle period.
        long quietAt = System.nanoTime() + settle.toNanos();
        while (System.nanoTime() - quietAt < 0) {
          WatchKey more = watcher.poll(waitMillis(quietAt), TimeUnit.MILLISECONDS);
          if (more != null && drain(more)) {
            quietAt = System.nanoTime() + settle.toNanos();
          }
        }
        fire("files changed");
        resyncAt = System.nanoTime() + resync.toNanos();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop
    }
  }

  private static long waitMillis(long deadline) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
  }

  /** Takes the key's events; whether one of them is a change that counts. */
  private boolean drain(WatchKey key) {
    Path dir = (Path) key.watchable();
    boolean all = isWhole(dir);
    Set<Path> names = files.getOrDefault(dir, Set.of());
    boolean counts = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      if (!(event.context() instanceof Path p)) {
        counts = true; // an overflow: events were lost
        continue;
      }
      counts |= all || names.contains(p) || p.toString().startsWith("..");
      if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && roots.contains(dir)) {
        Path created = dir.resolve(p);
        if (Files.isDirectory(created, LinkOption.NOFOLLOW_LINKS)) {
          try {
            register(created);
          } catch (IOException e) {
            log.warn("cannot watch {}: {}", created, e.getMessage());
          }
        }
      }
    }
    key.reset();
    return counts;
  }

  private void fire(String why) {
    try {
      log.debug("re-reading the spec, Secrets and ConfigMaps: {}", why);
      onChange.run();
    } catch (RuntimeException e) {
      log.error("while reacting to a change of the spec or Secrets: {}", e.toString());
    }
  }

  @Override
  public void close() throws IOException {
    thread.interrupt();
    watcher.close();
  }
}
