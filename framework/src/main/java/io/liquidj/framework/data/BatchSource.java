package io.liquidj.framework.data;

/**
 * An endless, deterministic stream of training batches whose position can be saved in a checkpoint
 * and restored, so a resumed run sees exactly the batches an uninterrupted run would have.
 */
public interface BatchSource extends AutoCloseable {
  /** The next batch. */
  Batch next();

  /** The stream's position (opaque JSON-safe string), saved in checkpoints. */
  String position();

  /** Continues from a position returned by {@link #position()}. */
  void seek(String position);

  @Override
  void close();
}
