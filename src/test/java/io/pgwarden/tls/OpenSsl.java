package io.pgwarden.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs a shell pipeline of openssl commands for cross-checks. */
final class OpenSsl {
  private OpenSsl() {}

  static String run(Path workDir, String pipeline) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder("bash", "-c", pipeline)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(pipeline + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
    return new String(output, StandardCharsets.UTF_8);
  }
}
