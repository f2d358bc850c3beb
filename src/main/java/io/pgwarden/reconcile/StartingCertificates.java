package io.pgwarden.reconcile;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.core.Mode;
import io.pgwarden.core.StartupException;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.tls.TlsMaterial;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The TLS material of a start. TLS parsing and validation is the slowest step of a start (cold
 * crypto classes). When the installed files are the Secrets' bytes, they were validated when
 * installed: postgres starts on them at once and the material is validated again in the background
 * for port 8000 and the gauges. Otherwise it is generated when missing (standalone) or waited for
 * (Kubernetes), validated and installed in the background beside initdb, and postgres waits for it.
 *
 * @param material validated (and installed when it differed from the files), or failed with a
 *     {@link StartupException}
 * @param postgresWaits whether postgres may start only once {@code material} is done
 */
@SuppressFBWarnings(
    value = "EI_EXPOSE_REP",
    justification = "the future is shared on purpose: the servers and postgres's start wait on it")
public record StartingCertificates(
    CompletableFuture<TlsMaterial> material, String knownDigest, boolean postgresWaits) {

  /** Starts preparing the material of {@code cluster} on {@code executor}. */
  public static StartingCertificates prepare(
      Mode mode, Source source, Cluster cluster, ControllerLayout controller, Executor executor) {
    SecretNames names = SecretNames.of(cluster);
    try {
      TlsSecrets secrets = TlsSecrets.read(source, names);
      if (secrets.matchesInstalled(controller.certificates())) {
        return new StartingCertificates(
            CompletableFuture.supplyAsync(() -> validate(secrets, null), executor),
            secrets.digest(),
            false);
      }
    } catch (IOException e) {
      // Missing or unreadable: prepared (generated, or waited for) below.
    }
    return new StartingCertificates(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                mode.prepareTls(cluster);
                return validate(TlsSecrets.read(source, names), controller);
              } catch (StartupException e) {
                throw new CompletionException(e);
              } catch (IOException e) {
                throw new CompletionException(
                    new StartupException("while reading TLS material: " + e.getMessage(), e));
              }
            },
            executor),
        "",
        true);
  }

  /**
   * The digest folded into the configuration hash ({@link TlsMaterial#digest()}); waits for the
   * material when postgres does.
   */
  public String digest() throws StartupException, InterruptedException {
    return postgresWaits ? await() : knownDigest;
  }

  /** The validated material, its {@link StartupException} rethrown as it is. */
  public TlsMaterial awaitMaterial() throws StartupException, InterruptedException {
    try {
      return material.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
      if (cause instanceof StartupException s) {
        throw s;
      }
      throw new StartupException("while preparing TLS material: " + cause, cause);
    }
  }

  private String await() throws StartupException, InterruptedException {
    return awaitMaterial().digest();
  }

  /** Validates, and installs into {@code controller} unless it is null (already installed). */
  private static TlsMaterial validate(TlsSecrets secrets, ControllerLayout controller) {
    try {
      TlsMaterial material = secrets.validate(Instant.now());
      if (controller != null) {
        material.install(controller.certificates());
      }
      return material;
    } catch (TlsMaterialException e) {
      throw new CompletionException(
          new StartupException("TLS material refused: " + e.getMessage(), e));
    } catch (IOException e) {
      throw new CompletionException(
          new StartupException("while installing TLS material: " + e.getMessage(), e));
    }
  }
}
