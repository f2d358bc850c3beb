package io.pgwarden.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** {@code spec.bootstrap}: only {@code initdb} applies to an instance that creates its cluster. */
@JsonIgnoreProperties({"recovery", "pg_basebackup"})
public record BootstrapSpec(InitdbSpec initdb) {
  public BootstrapSpec {
    initdb = initdb == null ? InitdbSpec.defaults() : initdb;
  }

  /**
   * {@code spec.bootstrap.initdb}: the application database and its owner (both {@code app} by
   * default, as in CloudNativePG), and the Secret holding the owner's credentials.
   */
  @JsonIgnoreProperties({
    "options",
    "localeCollate",
    "localeCType",
    "locale",
    "localeProvider",
    "icuLocale",
    "icuRules",
    "builtinLocale",
    "walSegmentSize",
    "postInitSQL",
    "postInitApplicationSQL",
    "postInitTemplateSQL",
    "postInitSQLRefs",
    "postInitApplicationSQLRefs",
    "postInitTemplateSQLRefs",
    "import"
  })
  public record InitdbSpec(
      String database,
      String owner,
      ClusterSpec.SecretRef secret,
      Boolean dataChecksums,
      String encoding) {
    public static final String DEFAULT_DATABASE = "app";

    public InitdbSpec {
      database = database == null ? DEFAULT_DATABASE : database;
      owner = owner == null ? database : owner;
      dataChecksums = dataChecksums == null || dataChecksums;
      encoding = encoding == null ? "UTF8" : encoding;
    }

    public static InitdbSpec defaults() {
      return new InitdbSpec(null, null, null, null, null);
    }
  }
}
