package io.pgwarden.reconcile;

import io.pgwarden.core.Reporter;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The refusals of one reconcile, each logged and reported once until it changes: a resync re-reads
 * the same bad input every 30 s, and says nothing new about it.
 */
final class Refusals {
  private static final Logger log = LoggerFactory.getLogger(Refusals.class);

  private final Reporter reporter;
  private Set<String> reported = Set.of();
  private Set<String> current = new LinkedHashSet<>();

  Refusals(Reporter reporter) {
    this.reporter = reporter;
  }

  /** {@code field} is refused for {@code reason}; the last good configuration stays in force. */
  void refuse(String field, String reason) {
    String key = field + ": " + reason;
    if (current.add(key) && !reported.contains(key)) {
      log.error("refused {}: {}; the last good configuration stays in force", field, reason);
      reporter.refused(field, reason);
    }
  }

  /** Whether anything was refused in this round. */
  boolean any() {
    return !current.isEmpty();
  }

  /** Ends a reconcile: what was refused in it is what the next one does not repeat. */
  void endRound() {
    reported = Set.copyOf(current);
    current = new LinkedHashSet<>();
  }
}
