package io.pgwarden.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * What a route answers: a status, a small body and any extra headers, written by the {@link Router}
 * (which adds {@code Content-Type}, {@code Content-Length} and {@code Connection}).
 */
public record Response(
    HttpResponseStatus status, String contentType, String body, Map<String, String> headers) {
  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";

  public Response {
    headers = Map.copyOf(headers);
  }

  /** A plain-text answer. */
  public static Response text(HttpResponseStatus status, String body) {
    return new Response(status, TEXT, body, Map.of());
  }

  /** A JSON answer; {@code json} is already encoded. */
  public static Response json(HttpResponseStatus status, String json) {
    return new Response(status, JSON, json, Map.of());
  }
}
