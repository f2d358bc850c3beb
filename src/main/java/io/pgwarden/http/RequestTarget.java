package io.pgwarden.http;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The path and query (empty when none) of a request target, raw: no decoding, no normalisation, so
 * that the {@link Router} matches paths exactly.
 */
record RequestTarget(String path, String query) {

  /** The path and query of an origin-form or absolute-form target; null when malformed. */
  static RequestTarget parse(String uri) {
    String pathAndQuery;
    if (uri.startsWith("/")) {
      pathAndQuery = uri;
    } else if (uri.regionMatches(true, 0, "http://", 0, 7)
        || uri.regionMatches(true, 0, "https://", 0, 8)) {
      try {
        URI parsed = new URI(uri);
        String rawPath = parsed.getRawPath();
        if (rawPath == null || rawPath.isEmpty()) {
          rawPath = "/";
        }
        pathAndQuery =
            parsed.getRawQuery() == null ? rawPath : rawPath + "?" + parsed.getRawQuery();
      } catch (URISyntaxException e) {
        return null;
      }
    } else {
      return null; // authority-form (CONNECT) and asterisk-form (OPTIONS *) are not served
    }
    int hash = pathAndQuery.indexOf('#');
    if (hash >= 0) {
      pathAndQuery = pathAndQuery.substring(0, hash);
    }
    int q = pathAndQuery.indexOf('?');
    return q < 0
        ? new RequestTarget(pathAndQuery, "")
        : new RequestTarget(pathAndQuery.substring(0, q), pathAndQuery.substring(q + 1));
  }
}
