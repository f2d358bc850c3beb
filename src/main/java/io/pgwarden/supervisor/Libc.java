package io.pgwarden.supervisor;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The few libc calls a JVM cannot make by itself. Loaded once, on first use. */
public final class Libc {
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGQUIT = 3;
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;

  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int PR_GET_CHILD_SUBREAPER = 37;
  private static final int WNOHANG = 1;
  private static final int ESRCH = 3;
  private static final int ECHILD = 10;
  private static final int EEXIST = 17;

  /** The JNA binding; names and signatures follow the C prototypes. */
  interface C extends Library {
    int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int waitpid(int pid, int[] status, int options) throws LastErrorException;

    int mkfifo(String path, int mode) throws LastErrorException;

    int geteuid();
  }

  private static final class Holder {
    static final C LIBC = Native.load("c", C.class);
  }

  private Libc() {}

  /**
   * Makes this process a child subreaper: orphans of its descendants (backends left behind by a
   * killed postmaster, grandchildren of archive commands) are re-parented to it instead of to PID
   * 1, so it can reap them even when it is not PID 1 itself.
   */
  public static void becomeChildSubreaper() {
    Holder.LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }

  /** Whether this process is a child subreaper (for tests). */
  public static boolean isChildSubreaper() {
    try (Memory flag = new Memory(Integer.BYTES)) {
      Holder.LIBC.prctl(PR_GET_CHILD_SUBREAPER, Pointer.nativeValue(flag), 0, 0, 0);
      return flag.getInt(0) != 0;
    }
  }

  /** Sends {@code signal} to {@code pid}; false when the process no longer exists. */
  public static boolean kill(long pid, int signal) {
    try {
      Holder.LIBC.kill(Math.toIntExact(pid), signal);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ESRCH) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Reaps {@code pid} if it is a zombie child, without waiting.
   *
   * @return true when it was reaped
   */
  public static boolean reapIfZombie(long pid) {
    try {
      return Holder.LIBC.waitpid(Math.toIntExact(pid), new int[1], WNOHANG) > 0;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ECHILD) {
        return false;
      }
      throw e;
    }
  }

  /** Creates a FIFO with {@code mode}; false when something already exists at {@code path}. */
  public static boolean mkfifo(String path, int mode) {
    try {
      Holder.LIBC.mkfifo(path, mode);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EEXIST) {
        return false;
      }
      throw e;
    }
  }

  public static int geteuid() {
    return Holder.LIBC.geteuid();
  }
}
