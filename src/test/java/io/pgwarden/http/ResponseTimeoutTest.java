package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A route that does not answer in time gets 503; one that does leaves no timer behind. */
class ResponseTimeoutTest {
  private static Router router(CompletableFuture<Response> answer, Duration timeout) {
    return Router.builder()
        .get("/r", Route.Access.OPEN, "test", r -> answer)
        .responseTimeout(timeout)
        .build();
  }

  private static FullHttpRequest get() {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/r");
    request.headers().set(HttpHeaderNames.HOST, "x");
    return request;
  }

  private static FullHttpResponse awaitResponse(EmbeddedChannel channel) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    FullHttpResponse response;
    while ((response = channel.readOutbound()) == null && System.nanoTime() < deadline) {
      channel.runPendingTasks();
      Thread.sleep(2);
    }
    return response;
  }

  @Test
  void aRouteThatNeverAnswersGets503AfterTheTimeout() throws Exception {
    EmbeddedChannel channel =
        new EmbeddedChannel(router(new CompletableFuture<>(), Duration.ofMillis(100)));
    long start = System.nanoTime();
    channel.writeInbound(get());

    FullHttpResponse response = awaitResponse(channel);

    assertThat(response).isNotNull();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(100));
    assertThat(response.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
    assertThat(body(response)).isEqualTo("timed out");
    channel.finishAndReleaseAll();
  }

  @Test
  void anAnswerInTimeCancelsItsTimer() throws Exception {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    EmbeddedChannel channel = new EmbeddedChannel(router(answer, Duration.ofSeconds(45)));
    channel.writeInbound(get());
    assertThat(channel.runScheduledPendingTasks()).as("the timer while waiting").isPositive();

    Thread later =
        new Thread(() -> answer.complete(Response.text(HttpResponseStatus.OK, "answer")));
    later.start();
    later.join();
    FullHttpResponse response = awaitResponse(channel);

    assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
    assertThat(body(response)).isEqualTo("answer");
    assertThat(channel.runScheduledPendingTasks()).as("scheduled tasks left").isEqualTo(-1);
    channel.finishAndReleaseAll();
  }

  private static String body(FullHttpResponse response) {
    ByteBuf content = response.content();
    String text = content.toString(StandardCharsets.UTF_8);
    response.release();
    return text;
  }
}
