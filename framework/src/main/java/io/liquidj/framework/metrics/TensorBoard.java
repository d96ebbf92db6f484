package io.liquidj.framework.metrics;

import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * TensorBoard scalars written by TensorFlow's own summary kernels ({@code CreateSummaryFileWriter},
 * {@code WriteScalarSummary}, {@code FlushSummaryWriter}) into {@code events.out.tfevents.*} files in
 * {@code logDir}. A small graph and session of its own, so it can log from any loop.
 */
public final class TensorBoard implements AutoCloseable {
  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> tag;
  private final Placeholder<TFloat32> value;
  private final Placeholder<TInt64> step;
  private final Op write;
  private final Op flush;
  private final Op closeWriter;

  public TensorBoard(Path logDir) {
    Ops tf = Ops.create(graph);
    SummaryWriter writer = tf.summary.summaryWriter(SummaryWriter.sharedName("liquidj_tensorboard"));
    Op create = tf.summary.createSummaryFileWriter(writer, tf.constant(logDir.toAbsolutePath().toString()),
        tf.constant(10), tf.constant(10_000), tf.constant(".liquidj"));
    tag = tf.placeholder(TString.class);
    value = tf.placeholder(TFloat32.class);
    step = tf.placeholder(TInt64.class);
    write = tf.summary.writeScalarSummary(writer, step, tag, value);
    flush = tf.summary.flushSummaryWriter(writer);
    closeWriter = tf.summary.closeSummaryWriter(writer);
    session = new Session(graph);
    session.run(create);
  }

  /** Writes one scalar. */
  public void scalar(String name, long atStep, double v) {
    try (TString t = TString.scalarOf(name);
        TFloat32 x = TFloat32.scalarOf((float) v);
        TInt64 s = TInt64.scalarOf(atStep)) {
      session.runner().feed(tag, t).feed(value, x).feed(step, s).addTarget(write).run();
    }
  }

  /** Writes buffered events to disk. */
  public void flush() {
    session.run(flush);
  }

  @Override
  public void close() {
    try {
      session.run(closeWriter);
    } finally {
      session.close();
      graph.close();
    }
  }
}
