package io.pgwarden.reconcile;

import java.util.List;

/**
 * Asks postgres's own parsers whether the configuration files now in PGDATA would be accepted,
 * before postgres is told to reload them.
 */
@FunctionalInterface
public interface FileCheck {
  /** Accepts everything: for a reconciler whose files postgres never reads. */
  FileCheck NONE = () -> List.of();

  /** What postgres would refuse, one line each; empty when it accepts every file. */
  List<String> problems() throws InterruptedException;
}
