package io.pgwarden.status;

import java.util.UUID;

/**
 * What the status says about pgwarden itself rather than postgres: the pod, the version, the CPU
 * architecture in Go's names ({@code GOARCH}), and a session ID new at each start of the process.
 */
public record InstanceIdentity(
    String podName, String instanceManagerVersion, String instanceArch, String sessionID) {

  /** The identity of this process: version from the jar's manifest, a fresh session UUID. */
  public static InstanceIdentity of(String podName) {
    String version = InstanceIdentity.class.getPackage().getImplementationVersion();
    return new InstanceIdentity(
        podName,
        version == null ? "development" : version,
        goArch(System.getProperty("os.arch", "")),
        UUID.randomUUID().toString());
  }

  /** The JVM's {@code os.arch} under the name Go gives it; unknown names pass through. */
  static String goArch(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i486", "i586", "i686" -> "386";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "arm" -> "arm";
      default -> osArch;
    };
  }
}
