package io.pgwarden.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the container tests find podman: Testcontainers talks to a {@code podman system service}
 * through {@code DOCKER_HOST} ({@code scripts/podman-service start} prints what to export; {@code
 * .ci/run} does it). The tests are skipped only when podman is not installed at all, and never when
 * {@code PGWARDEN_CONTAINER_TESTS=required} (CI): then a missing podman fails them.
 */
final class Podman {
  private Podman() {}

  /** Skips or fails the calling test class unless podman is reachable; returns DOCKER_HOST. */
  static String requireService() {
    boolean required = "required".equals(System.getenv("PGWARDEN_CONTAINER_TESTS"));
    String host = System.getenv("DOCKER_HOST");
    if (host == null || host.isBlank()) {
      if (!installed() && !required) {
        Assumptions.abort(
            "ContainerIT skipped: podman is not installed (apt-get install podman runc, or run"
                + " .ci/run, which installs and configures it)");
      }
      fail(
          installed()
              ? "podman is installed but DOCKER_HOST is not set: start a service with"
                  + " 'eval \"$(scripts/podman-service start)\"' (as root; it prints the exports)"
              : "PGWARDEN_CONTAINER_TESTS=required but podman is not installed");
    }
    if (host.startsWith("unix://") && !Files.isWritable(Path.of(host.substring(7)))) {
      fail("DOCKER_HOST=" + host + " is not a socket this user can write to (" + user() + ")");
    }
    return host;
  }

  /** The image under test: -Dpgwarden.image, else localhost/pgwarden:(the jar's version). */
  static String image() throws IOException {
    String image = System.getProperty("pgwarden.image");
    if (image != null && !image.isBlank()) {
      return image;
    }
    String jar = System.getProperty("pgwarden.jar", "target/pgwarden.jar");
    try (JarFile j = new JarFile(jar)) {
      return "localhost/pgwarden:"
          + j.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
  }

  private static boolean installed() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator, -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "podman"))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/bin/podman"));
  }

  private static String user() {
    return System.getProperty("user.name");
  }
}
