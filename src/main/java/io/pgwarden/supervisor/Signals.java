package io.pgwarden.supervisor;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs handlers for POSIX signals through {@code sun.misc.Signal}. It is reached by reflection
 * because javac reports every direct use as "internal proprietary API", a warning that cannot be
 * suppressed and that the build treats as an error; the class lives in the {@code jdk.unsupported}
 * module, which the JDK keeps exported for exactly this use.
 */
public final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /**
   * Runs {@code action} on the JVM's signal thread each time {@code name} (TERM, INT, HUP, CHLD,
   * USR1) arrives. The action must only enqueue work.
   *
   * @throws IllegalStateException when the signal was ignored at JVM start ({@code nohup} ignores
   *     HUP, a background job in a non-interactive shell ignores INT): the JVM then silently never
   *     delivers it, so the caller must know
   */
  public static void handle(String name, Runnable action) {
    if (install(name, action)) {
      throw new IllegalStateException(
          "SIG"
              + name
              + " was ignored when the JVM started, so it can never be delivered; start pgwarden"
              + " with 'env --default-signal=INT,TERM,HUP java ...'");
    }
  }

  /** As {@link #handle}, but a signal that cannot be delivered is logged, not thrown. */
  public static void handleOrWarn(String name, Runnable action) {
    try {
      handle(name, action);
    } catch (IllegalStateException e) {
      log.warn("{}", e.getMessage());
    }
  }

  /** {@code action}, after a line naming the signal and saying what follows. */
  public static Runnable logged(String name, String what, Runnable action) {
    return () -> {
      log.info("SIG{} received: {}", name, what);
      action.run();
    };
  }

  /**
   * Installs the handler, whatever was there before: the JVM's own native handler included (for
   * SIGUSR2, see {@link StraySignals}).
   *
   * @return whether the signal was ignored before (then, for HUP, INT and TERM, the JVM installed
   *     nothing)
   */
  static boolean install(String name, Runnable action) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object signal = signalClass.getConstructor(String.class).newInstance(name);
      InvocationHandler ih =
          (Object proxy, Method m, Object[] args) -> {
            return switch (m.getName()) {
              case "handle" -> {
                action.run();
                yield null;
              }
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              default -> "pgwarden handler for SIG" + name;
            };
          };
      Object handler =
          Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
      Object previous =
          signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
      return previous == handlerClass.getField("SIG_IGN").get(null);
    } catch (ClassNotFoundException
        | NoSuchMethodException
        | NoSuchFieldException
        | InstantiationException
        | IllegalAccessException e) {
      throw new IllegalStateException("while installing the SIG" + name + " handler", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(
          "while installing the SIG" + name + " handler: " + e.getCause(), e.getCause());
    }
  }
}
