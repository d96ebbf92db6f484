package io.liquidj.framework.data;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BatchSource} that packs the next batch on a background thread while the caller trains on the
 * one it was handed. The stream is the wrapped source's, batch for batch; {@link #position()} is the
 * position after the last batch handed out (not after the one prepared ahead), so a checkpoint taken
 * between steps resumes exactly where an unwrapped source would.
 *
 * <p>Only the background thread calls the wrapped source while a batch is being prepared; {@link #seek}
 * and {@link #close} first wait for it.
 */
public final class PrefetchingBatchSource implements BatchSource {
  /** A batch and the wrapped source's position right after it. */
  private record Prepared(Batch batch, String positionAfter) {}

  private final BatchSource source;
  private final ExecutorService worker;
  private Future<Prepared> ahead;
  private String position;

  /** Starts preparing {@code source}'s first batch; closing this closes {@code source}. */
  public PrefetchingBatchSource(BatchSource source) {
    this.source = source;
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "batch-prefetch");
      t.setDaemon(true);
      return t;
    });
    this.position = source.position();
    this.ahead = worker.submit(this::prepare);
  }

  private Prepared prepare() {
    Batch batch = source.next();
    return new Prepared(batch, source.position());
  }

  @Override
  public Batch next() {
    Prepared prepared = await(ahead);
    position = prepared.positionAfter();
    ahead = worker.submit(this::prepare);
    return prepared.batch();
  }

  @Override
  public String position() {
    return position;
  }

  @Override
  public void seek(String position) {
    awaitQuietly(ahead);
    source.seek(position);
    this.position = source.position();
    ahead = worker.submit(this::prepare);
  }

  @Override
  public void close() {
    awaitQuietly(ahead);
    worker.shutdown();
    try {
      worker.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    source.close();
  }

  /** The prepared batch; an error of the wrapped source is rethrown as it was thrown there. */
  private static Prepared await(Future<Prepared> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the next batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Waits for a batch prepared ahead that will not be handed out (its error, if any, no longer matters). */
  private static void awaitQuietly(Future<Prepared> future) {
    try {
      await(future);
    } catch (RuntimeException ignored) {
      // the batch is dropped; a seek or close must not fail because of it
    }
  }
}
