package io.liquidj.framework.backbone;

import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.tf.VariableStore;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The variables of a backbone: one f32 resource variable per {@link ParameterSpec}, named by its
 * Hugging Face tensor name, initialised as transformers' {@code _init_weights} (normal(0,
 * initializer_range) for projections and embeddings, ones or zeros for norms and biases) or loaded
 * from a checkpoint folder.
 */
public final class BackboneVariables {
  private BackboneVariables() {}

  /** transformers' PretrainedConfig default for {@code initializer_range}. */
  public static final double DEFAULT_INITIALIZER_RANGE = 0.02;

  /**
   * Creates the variables of {@code backbone} in the graph of {@code tf}; their initializers draw
   * from a stateless normal seeded by {@code seed} and the parameter's name, so a run is reproducible.
   */
  public static VariableStore create(Ops tf, Backbone backbone, long seed) {
    double std = backbone.config().raw().path("initializer_range").asDouble(DEFAULT_INITIALIZER_RANGE);
    VariableStore store = new VariableStore(tf);
    store.createAll(backbone.parameters(), (scope, spec) -> initialValue(scope, spec, std, seed));
    return store;
  }

  /** The initial value of one parameter. */
  static Operand<TFloat32> initialValue(Ops tf, ParameterSpec spec, double std, long seed) {
    return switch (spec.init()) {
      case NORMAL -> tf.math.mul(
          tf.random.statelessRandomNormal(tf.constant(spec.shape()),
              tf.constant(new long[] {seed, spec.name().hashCode()}), TFloat32.class),
          tf.constant((float) std));
      case ONES -> tf.fill(tf.constant(spec.shape()), tf.constant(1f));
      case ZEROS -> tf.fill(tf.constant(spec.shape()), tf.constant(0f));
    };
  }

  /**
   * Loads every variable from the checkpoint folder {@code dir} (model.safetensors or sharded;
   * F32, BF16 or F16), one tensor at a time from the memory-mapped files.
   *
   * @return the names loaded
   * @throws io.liquidj.framework.UserError naming the missing tensor or the mismatched shape
   */
  public static List<String> load(Session session, VariableStore store, Path dir) {
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      return store.load(session, checkpoint, Function.identity());
    }
  }
}
