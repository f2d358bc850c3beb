package io.pgwarden.pgconf;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of rendering one file: the text to install, its hash, and the user entries that were
 * refused and left out (lenient mode). A caller that wants strict behaviour calls {@link
 * #orThrow()}.
 *
 * @param text the complete file content
 * @param sha256 lowercase hex SHA-256; for custom.conf the value of {@code cnpg.config_sha256}, for
 *     the other files the hash of {@code text}
 * @param refused every refused entry, in input order; empty when everything was accepted
 */
public record Rendered(String text, String sha256, List<InvalidConfigurationException> refused) {
  public Rendered {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(sha256, "sha256");
    refused = List.copyOf(refused);
  }

  /** True when no user entry was refused. */
  public boolean complete() {
    return refused.isEmpty();
  }

  /**
   * Returns this result when nothing was refused; otherwise throws the first refusal with every
   * other one attached as suppressed, so that one report lists them all.
   */
  public Rendered orThrow() {
    if (refused.isEmpty()) {
      return this;
    }
    InvalidConfigurationException first = refused.get(0);
    InvalidConfigurationException all =
        new InvalidConfigurationException(
            first.field(),
            refused.size()
                + " configuration entr"
                + (refused.size() == 1 ? "y was" : "ies were")
                + " refused; fix each of them: "
                + String.join(
                    "; ",
                    refused.stream().map(InvalidConfigurationException::getMessage).toList()));
    refused.forEach(all::addSuppressed);
    throw all;
  }
}
