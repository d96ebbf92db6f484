package io.liquidj.framework.train;

import io.liquidj.framework.backbone.ParameterSpec;
import io.liquidj.framework.tf.VariableStore;
import java.util.concurrent.atomic.AtomicLong;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** From-scratch initial values (transformers' _init_weights), from stateless random ops seeded by the run's seed. */
public final class ParameterInit {
  private ParameterInit() {}

  /**
   * normal(0, stddev) for {@link ParameterSpec.Init#NORMAL}, ones or zeros for the others; the k-th
   * variable created with this initializer draws from seed (seed, k).
   */
  public static VariableStore.Initializer of(long seed, double stddev) {
    AtomicLong counter = new AtomicLong();
    return (tf, spec) -> {
      long index = counter.getAndIncrement();
      return switch (spec.init()) {
        case ONES -> tf.fill(tf.constant(spec.shape()), tf.constant(1f));
        case ZEROS -> tf.zeros(tf.constant(spec.shape()), TFloat32.class);
        case NORMAL -> tf.math.mul(
            tf.random.statelessRandomNormal(tf.constant(spec.shape()), tf.constant(new long[] {seed, index})),
            tf.constant((float) stddev));
      };
    };
  }
}
