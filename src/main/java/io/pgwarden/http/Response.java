package io.pgwarden.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a route answers: a status, a body and any extra headers, written by the {@link Router}
 * (which adds {@code Content-Type}, {@code Content-Length} and {@code Connection}). The body is
 * kept as the bytes that go on the wire, so a large one (a metrics scrape) is encoded once.
 */
public final class Response {
  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";

  private final HttpResponseStatus status;
  private final String contentType;
  private final byte[] bytes;
  private final Map<String, String> headers;

  public Response(
      HttpResponseStatus status, String contentType, String body, Map<String, String> headers) {
    this(status, contentType, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  private Response(
      HttpResponseStatus status, String contentType, byte[] bytes, Map<String, String> headers) {
    this.status = status;
    this.contentType = contentType;
    this.bytes = bytes;
    this.headers = Map.copyOf(headers);
  }

  /**
   * An answer whose body is already encoded; the array is owned by the response from now on (the
   * caller must not change it).
   */
  public static Response encoded(HttpResponseStatus status, String contentType, byte[] body) {
    return new Response(status, contentType, body, Map.of());
  }

  /** A plain-text answer. */
  public static Response text(HttpResponseStatus status, String body) {
    return new Response(status, TEXT, body, Map.of());
  }

  /** A JSON answer; {@code json} is already encoded. */
  public static Response json(HttpResponseStatus status, String json) {
    return new Response(status, JSON, json, Map.of());
  }

  public HttpResponseStatus status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** The body as text (decoded from its bytes: for tests and small answers). */
  public String body() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The bytes on the wire; not a copy, only the Router reads them. */
  byte[] bytes() {
    return bytes;
  }

  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public String toString() {
    return "Response[" + status + ", " + contentType + ", " + bytes.length + " bytes]";
  }
}
