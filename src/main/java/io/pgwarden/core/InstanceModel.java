package io.pgwarden.core;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the current {@link InstanceState}: the one place that changes it. Each change that yields a
 * different value is handed to every listener, in order, on the thread that made it; listeners must
 * return at once (queue their work) and a listener that throws is logged and skipped.
 */
public final class InstanceModel {
  private static final Logger log = LoggerFactory.getLogger(InstanceModel.class);

  /** Hears each change of the state. */
  @FunctionalInterface
  public interface Listener {
    /** The state went from {@code before} to {@code after} (never equal). */
    void changed(InstanceState before, InstanceState after);
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private InstanceState state; // guarded by this

  public InstanceModel(InstanceState initial) {
    this.state = Objects.requireNonNull(initial, "initial");
  }

  /** The state now. */
  public synchronized InstanceState state() {
    return state;
  }

  /** Adds a listener for the changes from now on. */
  public void listen(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Applies {@code change} to the current state; when the result differs, it becomes current and
   * the listeners hear of it. Changes are applied one at a time, and heard in the order applied.
   *
   * @return the state after the change
   */
  public InstanceState update(UnaryOperator<InstanceState> change) {
    // One change at a time, listeners included, so that every listener hears the changes in the
    // order they were made (the supervisor's loop and the actions thread both change the state).
    synchronized (this) {
      InstanceState before = state;
      InstanceState after = Objects.requireNonNull(change.apply(before), "changed state");
      if (after.equals(before)) {
        return before;
      }
      state = after;
      for (Listener listener : listeners) {
        try {
          listener.changed(before, after);
        } catch (RuntimeException e) {
          log.error("a listener of the instance state failed: {}", e.toString());
        }
      }
      return after;
    }
  }
}
