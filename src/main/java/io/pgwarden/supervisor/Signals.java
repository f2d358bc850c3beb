package io.pgwarden.supervisor;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs handlers for POSIX signals through {@code sun.misc.Signal}. It is reached by reflection
 * because javac reports every direct use as "internal proprietary API", a warning that cannot be
 * suppressed and that the build treats as an error; the class lives in the {@code jdk.unsupported}
 * module, which the JDK keeps exported for exactly this use.
 */
public final class Signals {
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
      Object ignored = handlerClass.getField("SIG_IGN").get(null);
      if (previous == ignored) {
        throw new IllegalStateException(
            "SIG"
                + name
                + " was ignored when the JVM started, so it can never be delivered; start pgwarden"
                + " with 'env --default-signal=INT,TERM,HUP java ...'");
      }
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
