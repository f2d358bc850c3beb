package io.pgwarden.metrics.queries;

import java.util.ArrayList;
import java.util.List;

/**
 * A server version range in blang/semver syntax, as {@code runonserver} takes it: comparators
 * separated by spaces must all hold, alternatives separated by {@code ||} are ORed, e.g. {@code
 * ">=10.0.0 <13.0.0 || >=15.0.0"}. Operators are {@code >}, {@code >=}, {@code <}, {@code <=},
 * {@code =}, {@code ==}, {@code !=}; none means {@code =}. A missing minor or patch is 0.
 */
public final class VersionRange {
  /** The range every version is in: what an absent {@code runonserver} means. */
  public static final VersionRange ANY = new VersionRange("", List.of());

  private final String text;
  private final List<List<Comparator>> alternatives;

  private VersionRange(String text, List<List<Comparator>> alternatives) {
    this.text = text;
    this.alternatives = alternatives;
  }

  /**
   * Parses a range.
   *
   * @throws IllegalArgumentException naming the part that is not a comparator
   */
  public static VersionRange parse(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("empty version range");
    }
    List<List<Comparator>> alternatives = new ArrayList<>();
    for (String alternative : trimmed.split("\\|\\|", -1)) {
      List<Comparator> all = new ArrayList<>();
      String pendingOperator = "";
      for (String token : alternative.strip().split("\\s+", -1)) {
        if (token.isEmpty()) {
          continue;
        }
        if (token.matches("[<>=!]+")) {
          pendingOperator = token;
          continue;
        }
        all.add(Comparator.parse(pendingOperator + token));
        pendingOperator = "";
      }
      if (!pendingOperator.isEmpty() || all.isEmpty()) {
        throw new IllegalArgumentException(
            "'" + alternative.strip() + "' is not a version comparator like >=12.0.0");
      }
      alternatives.add(List.copyOf(all));
    }
    return new VersionRange(trimmed, List.copyOf(alternatives));
  }

  /** Whether the version, as {@code {major, minor, patch}}, is in the range. */
  public boolean contains(int[] version) {
    if (alternatives.isEmpty()) {
      return true;
    }
    for (List<Comparator> all : alternatives) {
      if (all.stream().allMatch(c -> c.test(version))) {
        return true;
      }
    }
    return false;
  }

  /** Whether postgres's {@code server_version_num} (150018, or 90624 before 10) is in the range. */
  public boolean containsServerVersionNum(int serverVersionNum) {
    return contains(fromServerVersionNum(serverVersionNum));
  }

  /** Whether a dotted version such as {@code 15.18} or {@code 16.2.1} is in the range. */
  public boolean contains(String version) {
    return contains(parseVersion(version));
  }

  /** {@code 150018} is 15.0.18; {@code 90624} is 9.6.24. */
  static int[] fromServerVersionNum(int num) {
    if (num >= 100_000) {
      return new int[] {num / 10_000, 0, num % 10_000};
    }
    return new int[] {num / 10_000, num / 100 % 100, num % 100};
  }

  static int[] parseVersion(String version) {
    String[] parts = version.strip().split("\\.", -1);
    if (parts.length > 3) {
      throw new IllegalArgumentException("'" + version + "' is not a version like 15.0.0");
    }
    int[] result = new int[3];
    for (int i = 0; i < parts.length; i++) {
      // Prereleases and build metadata (15.0.0-beta1) compare as their release.
      String digits = parts[i].replaceFirst("[-+].*$", "");
      if (!digits.matches("[0-9]{1,6}")) {
        throw new IllegalArgumentException("'" + version + "' is not a version like 15.0.0");
      }
      result[i] = Integer.parseInt(digits);
    }
    return result;
  }

  static int compare(int[] a, int[] b) {
    for (int i = 0; i < 3; i++) {
      int c = Integer.compare(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof VersionRange r && r.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }

  private static final class Comparator {
    private final String operator;
    private final int[] version;

    private Comparator(String operator, int[] version) {
      this.operator = operator;
      this.version = version;
    }

    static Comparator parse(String token) {
      int split = 0;
      while (split < token.length() && "<>=!".indexOf(token.charAt(split)) >= 0) {
        split++;
      }
      String operator = token.substring(0, split);
      String version = token.substring(split).replaceFirst("^[vV]", "");
      if (!List.of("", "=", "==", "!=", "<", "<=", ">", ">=").contains(operator)) {
        throw new IllegalArgumentException(
            "'" + token + "': unknown operator '" + operator + "'; one of >, >=, <, <=, =, !=");
      }
      return new Comparator(operator, parseVersion(version));
    }

    boolean test(int[] actual) {
      int c = compare(actual, version);
      return switch (operator) {
        case "<" -> c < 0;
        case "<=" -> c <= 0;
        case ">" -> c > 0;
        case ">=" -> c >= 0;
        case "!=" -> c != 0;
        default -> c == 0;
      };
    }
  }
}
