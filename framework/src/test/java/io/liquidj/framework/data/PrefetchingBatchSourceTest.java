package io.liquidj.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.train.TestBatches;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrefetchingBatchSourceTest {
  /**
   * The wrapped source ({@link TestBatches#indexed}): batch k holds the value k everywhere; the position is the
   * next k.
   */
  private static final class Counting {
    /** How many batches the prefetch thread has taken; read by the test thread while that thread advances. */
    private volatile long taken;
    private final CountDownLatch secondBatchStarted = new CountDownLatch(1);
    private volatile boolean failAtThree;
    private final BatchSource source = TestBatches.indexed(this::batch);

    private Batch batch(long k) {
      if (k == 1) {
        secondBatchStarted.countDown();
      }
      if (failAtThree && k == 3) {
        throw new IllegalStateException("shard 3 is damaged");
      }
      taken = k + 1;
      int v = Math.toIntExact(k);
      return new Batch(1, 2, new int[] {v, v}, new int[] {v, v}, new int[] {0, 1}, new int[] {1, 1},
          new float[] {1, 1});
    }
  }

  @Test
  void handsOutTheWrappedSourcesBatchesInOrderWithThePositionAfterTheLastHandedOut() throws InterruptedException {
    Counting counting = new Counting();
    try (PrefetchingBatchSource source = new PrefetchingBatchSource(counting.source)) {
      assertEquals("0", source.position());
      for (int k = 0; k < 5; k++) {
        assertArrayEquals(new int[] {k, k}, source.next().inputIds());
        awaitPrepared(counting, k + 2);
        assertEquals(Integer.toString(k + 1), source.position(), "batch " + (k + 1) + " is prepared, not handed out");
      }
      source.seek("2");
      assertEquals("2", source.position());
      assertArrayEquals(new int[] {2, 2}, source.next().inputIds());
      assertArrayEquals(new int[] {3, 3}, source.next().inputIds());
    }
  }

  /** Waits until the prefetch thread has taken {@code batches} batches from the wrapped source. */
  private static void awaitPrepared(Counting counting, int batches) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (counting.taken < batches) {
      assertTrue(System.nanoTime() < deadline, "batch " + (batches - 1) + " was never prepared");
      Thread.sleep(1);
    }
  }

  @Test
  void preparesTheNextBatchWhileTheCallerHoldsTheCurrentOne() throws InterruptedException {
    Counting counting = new Counting();
    try (PrefetchingBatchSource source = new PrefetchingBatchSource(counting.source)) {
      source.next();
      assertTrue(counting.secondBatchStarted.await(10, TimeUnit.SECONDS),
          "the second batch was not started before the caller asked for it");
    }
  }

  @Test
  void anErrorOfTheWrappedSourceSurfacesAtTheBatchItConcerns() {
    Counting counting = new Counting();
    counting.failAtThree = true;
    try (PrefetchingBatchSource source = new PrefetchingBatchSource(counting.source)) {
      for (int k = 0; k < 3; k++) {
        source.next();
      }
      IllegalStateException e = assertThrows(IllegalStateException.class, source::next);
      assertEquals("shard 3 is damaged", e.getMessage());
    }
  }
}
