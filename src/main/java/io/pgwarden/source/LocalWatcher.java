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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when the spec file, a Secret or a ConfigMap directory changed. Events are coalesced: the
 * callback runs once the files have been quiet for {@code settle}, so an editor's save or a
 * Kubernetes-style symlink swap of several files is one change. A periodic resync fires the
 * callback anyway, in case an event was lost (inotify queue overflow, a directory replaced).
 */
public final class LocalWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalWatcher.class);

  private final WatchService watcher;
  private final List<Path> roots;
  private final Duration settle;
  private final Duration resync;
  private final Runnable onChange;
  private final Thread thread;

  /**
   * Watches {@code roots} with their subdirectories (one level: {@code DIR/<name>/}, as Secrets are
   * laid out) and {@code flat} directories alone (the spec file's).
   */
  public LocalWatcher(
      List<Path> roots, List<Path> flat, Duration settle, Duration resync, Runnable onChange)
      throws IOException {
    this.watcher = FileSystems.getDefault().newWatchService();
    this.roots = List.copyOf(roots);
    this.settle = settle;
    this.resync = resync;
    this.onChange = onChange;
    for (Path root : this.roots) {
      register(root);
    }
    for (Path dir : flat) {
      if (Files.isDirectory(dir)) {
        registerOne(dir);
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
    registerOne(root);
    try (Stream<Path> children = Files.list(root)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
          registerOne(child);
        }
      }
    }
  }

  private void registerOne(Path dir) throws IOException {
    dir.register(
        watcher,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
  }

  private void loop() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        WatchKey key = watcher.poll(resync.toMillis(), TimeUnit.MILLISECONDS);
        if (key == null) {
          fire("periodic resync");
          continue;
        }
        drain(key);
        // Settle: keep draining until nothing happened for a whole settle period.
        WatchKey more;
        while ((more = watcher.poll(settle.toMillis(), TimeUnit.MILLISECONDS)) != null) {
          drain(more);
        }
        fire("files changed");
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop
    }
  }

  private void drain(WatchKey key) {
    Path dir = (Path) key.watchable();
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
          && event.context() instanceof Path p) {
        Path created = dir.resolve(p);
        if (Files.isDirectory(created, LinkOption.NOFOLLOW_LINKS) && roots.contains(dir)) {
          try {
            register(created);
          } catch (IOException e) {
            log.warn("cannot watch {}: {}", created, e.getMessage());
          }
        }
      }
    }
    key.reset();
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
