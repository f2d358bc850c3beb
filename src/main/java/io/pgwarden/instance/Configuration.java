package io.pgwarden.instance;

import io.pgwarden.pgconf.ConfigInput;
import io.pgwarden.pgconf.CustomConf;
import io.pgwarden.pgconf.HbaConf;
import io.pgwarden.pgconf.HbaInput;
import io.pgwarden.pgconf.IdentConf;
import io.pgwarden.pgconf.IdentInput;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.Rendered;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.spec.Cluster;
import java.util.ArrayList;
import java.util.List;

/**
 * From a Cluster to the text of every configuration file. Refused user input is dropped with its
 * reason, so the rest of the configuration still applies.
 */
final class Configuration {
  /** Annotation that turns off pgwarden's {@code hostnossl all all all reject} rule. */
  static final String ALLOW_PLAINTEXT = "pgwarden.io/allowPlaintext";

  record Result(
      ConfigFiles.Rendered files, String hash, List<InvalidConfigurationException> refused) {}

  private Configuration() {}

  static Result render(Cluster cluster, ControllerLayout controller, int port, String osUser) {
    Rendered custom =
        CustomConf.render(
            new ConfigInput(
                cluster.name(),
                port,
                controller.run().toString(),
                controller.log().toString(),
                controller.certificates().toString(),
                cluster.spec().postgresql().parameters(),
                cluster.spec().postgresql().sharedPreloadLibraries()));
    boolean allowPlaintext = "true".equals(cluster.metadata().annotations().get(ALLOW_PLAINTEXT));
    Rendered hba =
        HbaConf.render(new HbaInput(cluster.spec().postgresql().pgHba(), allowPlaintext));
    Rendered ident =
        IdentConf.render(new IdentInput(osUser, cluster.spec().postgresql().pgIdent()));
    List<InvalidConfigurationException> refused = new ArrayList<>(custom.refused());
    refused.addAll(hba.refused());
    refused.addAll(ident.refused());
    return new Result(
        new ConfigFiles.Rendered(custom.text(), hba.text(), ident.text()),
        custom.sha256(),
        refused);
  }
}
