package io.pgwarden.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The answers one connection is waiting for, written in request order (HTTP/1.1 pipelining) however
 * they complete; kept in a channel attribute and touched on the channel's event loop only.
 */
final class PipelinedResponses {
  private static final AttributeKey<PipelinedResponses> KEY =
      AttributeKey.valueOf("pgwarden.pipelinedResponses");

  private int pending;
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  private PipelinedResponses() {}

  /** The queue of {@code ctx}'s channel, created on its first request. */
  static PipelinedResponses of(ChannelHandlerContext ctx) {
    PipelinedResponses queue = ctx.channel().attr(KEY).get();
    if (queue == null) {
      queue = new PipelinedResponses();
      ctx.channel().attr(KEY).set(queue);
    }
    return queue;
  }

  /** Answers {@code ctx}'s channel waits for; 0 before its first request. */
  static int pending(ChannelHandlerContext ctx) {
    PipelinedResponses queue = ctx.channel().attr(KEY).get();
    return queue == null ? 0 : queue.pending;
  }

  int pending() {
    return pending;
  }

  /**
   * Queues {@code response} for {@code writer}. Each answer is handed to the event loop only after
   * the previous one was: tasks run in order there, so answers are written in request order.
   */
  void enqueue(
      ChannelHandlerContext ctx, CompletableFuture<Response> response, Consumer<Response> writer) {
    pending++;
    tail =
        tail.thenCompose(v -> response)
            .thenAccept(
                r ->
                    ctx.executor()
                        .execute(
                            () -> {
                              pending--;
                              writer.accept(r);
                            }));
  }

  /**
   * {@code response}, completed with {@code onTimeout} when it takes longer than {@code timeout}.
   * The timer is one on the channel's event loop, cancelled as soon as the answer comes: the event
   * loop is a scheduler already, where {@link CompletableFuture#completeOnTimeout} would start the
   * JDK's own delay-scheduler thread for it. An answer already there needs no timer.
   */
  static CompletableFuture<Response> bounded(
      ChannelHandlerContext ctx,
      CompletableFuture<Response> response,
      Duration timeout,
      Response onTimeout) {
    if (response.isDone()) {
      return response;
    }
    ScheduledFuture<?> timer =
        ctx.executor()
            .schedule(
                () -> response.complete(onTimeout), timeout.toMillis(), TimeUnit.MILLISECONDS);
    return response.whenComplete((r, e) -> timer.cancel(false));
  }
}
