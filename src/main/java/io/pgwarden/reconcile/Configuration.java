package io.pgwarden.reconcile;

import io.pgwarden.pgconf.ConfigInput;
import io.pgwarden.pgconf.CustomConf;
import io.pgwarden.pgconf.HbaConf;
import io.pgwarden.pgconf.HbaInput;
import io.pgwarden.pgconf.IdentConf;
import io.pgwarden.pgconf.IdentInput;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.Rendered;
import io.pgwarden.pgconf.Sha256;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.spec.Cluster;
import java.util.ArrayList;
import java.util.List;

/**
 * From a Cluster to the text of every configuration file. Refused user input is dropped with its
 * reason, so the rest of the configuration still applies.
 *
 * <p>The hash ({@code cnpg.config_sha256}) covers custom.conf, pg_hba.conf, pg_ident.conf and the
 * TLS material's digest: whatever changes, postgres reports a new hash once it has reloaded, so a
 * reload that only rotated a certificate is confirmed like any other.
 */
public final class Configuration {
  /** Annotation that turns off pgwarden's {@code hostnossl all all all reject} rule. */
  public static final String ALLOW_PLAINTEXT = "pgwarden.io/allowPlaintext";

  /** Annotation that accepts settings that risk data after a crash ({@code fsync: off}, ...). */
  public static final String ALLOW_UNSAFE_DURABILITY = "pgwarden.io/allowUnsafeDurability";

  /**
   * The rendered files, the hash postgres will report once it loaded them, and the refused input.
   */
  public record Result(
      ConfigFiles.Rendered files, String hash, List<InvalidConfigurationException> refused) {
    public Result {
      refused = List.copyOf(refused);
    }
  }

  private Configuration() {}

  /**
   * Renders every file.
   *
   * @param tlsDigest {@link io.pgwarden.tls.TlsMaterial#digest()} of the material installed with
   *     this configuration, empty when none is known yet
   */
  public static Result render(
      Cluster cluster, ControllerLayout controller, int port, String osUser, String tlsDigest) {
    boolean allowPlaintext = "true".equals(cluster.metadata().annotations().get(ALLOW_PLAINTEXT));
    Rendered hba =
        HbaConf.render(new HbaInput(cluster.spec().postgresql().pgHba(), allowPlaintext));
    Rendered ident =
        IdentConf.render(new IdentInput(osUser, cluster.spec().postgresql().pgIdent()));
    String companions = Sha256.hex(hba.sha256() + ident.sha256() + tlsDigest);
    Rendered custom =
        CustomConf.render(
            new ConfigInput(
                cluster.name(),
                port,
                controller.run().toString(),
                controller.log().toString(),
                controller.certificates().toString(),
                cluster.spec().postgresql().parameters(),
                cluster.spec().postgresql().sharedPreloadLibraries(),
                companions,
                "true".equals(cluster.metadata().annotations().get(ALLOW_UNSAFE_DURABILITY))));
    List<InvalidConfigurationException> refused = new ArrayList<>(custom.refused());
    refused.addAll(hba.refused());
    refused.addAll(ident.refused());
    return new Result(
        new ConfigFiles.Rendered(custom.text(), hba.text(), ident.text()),
        custom.sha256(),
        refused);
  }
}
