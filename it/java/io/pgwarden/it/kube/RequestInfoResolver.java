package io.pgwarden.it.kube;

import io.pgwarden.it.kube.RbacEvaluator.Request;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Derives the RBAC attributes of an HTTP request to the API server as its RequestInfo resolver does
 * ({@code k8s.io/apiserver/pkg/endpoints/request/requestinfo.go}), so that requests recorded by a
 * mock server can be checked against a Role with {@link RbacEvaluator}.
 *
 * <p>Resource paths are {@code /api/v1/...} (core group) and {@code /apis/{group}/{version}/...},
 * followed by {@code [namespaces/{ns}/]{resource}[/{name}[/{subresource}]]}. The verb comes from
 * the method: GET and HEAD are get on a name, else list, or watch with {@code watch=true} (any
 * value but {@code 0} and {@code false}); POST create, PUT update, PATCH patch, DELETE delete on a
 * name, else deletecollection. The deprecated {@code /watch/} path segment also gives watch. A list
 * or watch whose {@code fieldSelector} requires {@code metadata.name=X} (or {@code ==}) is a
 * request for the object named X: that is how a Role with resourceNames authorizes list and watch.
 */
public final class RequestInfoResolver {
  private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  private RequestInfoResolver() {}

  /**
   * Resolves a request as a mock server records it: {@code pathAndQuery} is the request target,
   * e.g. {@code /api/v1/namespaces/ns/secrets?fieldSelector=metadata.name%3Dx&watch=true}.
   *
   * @return empty for a non-resource request ({@code /version}, {@code /api}, {@code /apis/g/v}),
   *     which no Role governs
   */
  public static Optional<Request> resolve(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    return q < 0
        ? resolve(method, pathAndQuery, "")
        : resolve(method, pathAndQuery.substring(0, q), pathAndQuery.substring(q + 1));
  }

  /**
   * Resolves a request from its method, its path (percent-encoded as sent) and its raw query string
   * (without {@code ?}; empty or null for none).
   */
  public static Optional<Request> resolve(String method, String path, String query) {
    // splitPath: the path without leading and trailing slashes, split at each slash.
    String trimmed = path.replaceAll("^/+|/+$", "");
    List<String> parts = new ArrayList<>();
    if (!trimmed.isEmpty()) {
      for (String segment : split(trimmed, '/')) {
        // '+' is a plain character in a path; URLDecoder would turn it into a space.
        parts.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    if (parts.size() < 3) {
      return Optional.empty();
    }
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else if (parts.get(0).equals("apis") && parts.size() >= 4) {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    } else {
      return Optional.empty();
    }

    String verb;
    boolean specialVerb = SPECIAL_VERBS.contains(parts.get(0));
    if (specialVerb) {
      if (parts.size() < 2) {
        throw new IllegalArgumentException("no resource after /" + parts.get(0) + "/ in " + path);
      }
      verb = parts.get(0);
      parts = parts.subList(1, parts.size());
    } else {
      verb = verbOf(method);
    }

    String namespace = null;
    if (parts.get(0).equals("namespaces") && parts.size() > 1) {
      namespace = parts.get(1);
      // /namespaces/{ns}/status is the Namespace's own subresource, not a resource "status".
      if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
        parts = parts.subList(2, parts.size());
      }
    }

    String resource = parts.get(0);
    String name = parts.size() >= 2 ? parts.get(1) : null;
    String subresource = parts.size() >= 3 && !verb.equals("proxy") ? parts.get(2) : null;

    Map<String, String> params = queryParameters(query);
    if (name == null && verb.equals("get")) {
      verb = isTrue(params.get("watch")) ? "watch" : "list";
      name = nameSelected(params.get("fieldSelector"));
    }
    if (name == null && verb.equals("delete")) {
      verb = "deletecollection";
    }
    return Optional.of(new Request(verb, group, resource, subresource, name, namespace));
  }

  private static String verbOf(String method) {
    return switch (method.toUpperCase(Locale.ROOT)) {
      case "POST" -> "create";
      case "GET", "HEAD" -> "get";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> "";
    };
  }

  /** Go's {@code Convert_Slice_string_To_bool}: present and neither "0" nor "false". */
  private static boolean isTrue(String value) {
    return value != null && !value.equals("0") && !value.equalsIgnoreCase("false");
  }

  /**
   * The X of a field selector that requires {@code metadata.name=X} or {@code metadata.name==X}
   * among its comma-separated terms ({@code fields.Selector.RequiresExactMatch}); null when it
   * requires none, or does not parse (the API server then leaves the name unset too), or X is not a
   * valid path segment name.
   */
  static String nameSelected(String selector) {
    if (selector == null || selector.isEmpty()) {
      return null;
    }
    // As fields.ParseSelector: terms sorted, empty ones skipped; the first metadata.name term wins.
    List<String> terms = splitUnescaped(selector, ',');
    Collections.sort(terms);
    String name = null;
    for (String term : terms) {
      if (term.isEmpty()) {
        continue;
      }
      String[] parsed = parseTerm(term);
      if (parsed == null) {
        return null; // the whole selector is refused
      }
      if (name == null && parsed[0].equals("metadata.name") && !parsed[1].equals("!=")) {
        name = parsed[2];
      }
    }
    if (name == null
        || name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.contains("/")
        || name.contains("%")) {
      return null;
    }
    return name;
  }

  /**
   * {@code fields.splitTerm} and {@code UnescapeValue}: field, operator, unescaped value split at
   * the first operator (escapes are not looked at before it); null when there is no operator or the
   * value is badly escaped.
   */
  private static String[] parseTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      for (String op : List.of("!=", "==", "=")) {
        if (term.startsWith(op, i)) {
          String value = unescape(term.substring(i + op.length()));
          return value == null ? null : new String[] {term.substring(0, i), op, value};
        }
      }
    }
    return null;
  }

  /** {@code fields.UnescapeValue}: only \\, \, and \= are escapes; a bare , or = is an error. */
  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        if (i + 1 == s.length() || "\\,=".indexOf(s.charAt(i + 1)) < 0) {
          return null;
        }
        out.append(s.charAt(++i));
      } else if (c == ',' || c == '=') {
        return null;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static List<String> splitUnescaped(String s, char separator) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == separator) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }

  /** The first value of each parameter, decoded as Go's {@code url.ParseQuery} decodes it. */
  private static Map<String, String> queryParameters(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : split(query, '&')) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.putIfAbsent(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private static List<String> split(String s, char separator) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = s.indexOf(separator); i >= 0; i = s.indexOf(separator, start)) {
      parts.add(s.substring(start, i));
      start = i + 1;
    }
    parts.add(s.substring(start));
    return parts;
  }
}
