package io.liquidj.framework.train;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** Batch sources for tests, made from a function of the batch; position, seek and close come with them. */
public final class TestBatches {
  private TestBatches() {}

  /** Batch i is {@code batchAt(i)}; the position is i, so a resumed run sees the batches an unbroken one would. */
  public static BatchSource indexed(LongFunction<Batch> batchAt) {
    return new BatchSource() {
      private long index;

      @Override
      public Batch next() {
        return batchAt.apply(index++);
      }

      @Override
      public String position() {
        return Long.toString(index);
      }

      @Override
      public void seek(String position) {
        index = Long.parseLong(position);
      }

      @Override
      public void close() {}
    };
  }

  /** The batches {@code next} makes of {@code inner}'s; position, seek and close are {@code inner}'s. */
  public static BatchSource drawingFrom(BatchSource inner, Supplier<Batch> next) {
    return new BatchSource() {
      @Override
      public Batch next() {
        return next.get();
      }

      @Override
      public String position() {
        return inner.position();
      }

      @Override
      public void seek(String position) {
        inner.seek(position);
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  /** Each batch of {@code inner} as {@code change} makes it; position, seek and close are {@code inner}'s. */
  public static BatchSource mapped(BatchSource inner, UnaryOperator<Batch> change) {
    return drawingFrom(inner, () -> change.apply(inner.next()));
  }

  /** {@code batch} forever. */
  public static BatchSource repeating(Batch batch) {
    return indexed(i -> batch);
  }
}
