package io.liquidj.framework.backbone;

import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.VariableStore;
import java.nio.file.Path;
import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.TensorInfo;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tensorflow.ndarray.Shape;
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
    return create(tf, backbone, seed, Precision.F32);
  }

  /**
   * {@link #create} with every variable stored in {@code storage}'s dtype: {@link Precision#BF16} for weights
   * that only generate or are frozen (half the memory; reads are still f32, {@link VariableStore}).
   */
  public static VariableStore create(Ops tf, Backbone backbone, long seed, Precision storage) {
    return create(tf, backbone, seed, name -> storage);
  }

  /** {@link #create} with each variable stored in {@code storage.apply(name)}'s dtype (bf16 for frozen weights). */
  public static VariableStore create(Ops tf, Backbone backbone, long seed,
      java.util.function.Function<String, Precision> storage) {
    double std = backbone.config().raw().path("initializer_range").asDouble(DEFAULT_INITIALIZER_RANGE);
    VariableStore store = new VariableStore(tf);
    for (ParameterSpec spec : backbone.parameters()) {
      store.create(spec, (scope, s) -> initialValue(scope, s, std, seed), storage.apply(spec.name()).readOnlyWeightType());
    }
    return store;
  }

  /**
   * Creates the variables of {@code backbone} and fills them: without a checkpoint from the init
   * kinds; from the checkpoint when its embedding has the backbone's row count; and, when the
   * backbone's config is a Liquid extension of a smaller checkpoint, with the old rows plus
   * mean-resized new ones ({@link VocabularyExtension#loadExtended}).
   */
  public static VariableStore open(Ops tf, Session session, Backbone backbone, Optional<Path> checkpoint, long seed) {
    VariableStore store = create(tf, backbone, seed);
    fill(session, store, backbone.config(), checkpoint, seed);
    return store;
  }

  /**
   * Fills the variables of {@link #create}: without a checkpoint from their initializers; from the
   * checkpoint when its embedding has {@code config}'s row count; and, when {@code config} is a
   * Liquid extension of a smaller checkpoint, with the old rows plus mean-resized new ones.
   */
  public static void fill(Session session, VariableStore store, ModelConfig config, Optional<Path> checkpoint,
      long seed) {
    if (checkpoint.isEmpty()) {
      store.initializeAll(session);
      return;
    }
    try (Checkpoint reader = Checkpoint.open(checkpoint.get())) {
      long rows = reader.info("model.embed_tokens.weight").shape()[0];
      if (rows < config.vocabSize() && config.liquid() != null && rows == config.liquid().imageCodeOffset()) {
        reader.requireAllUsed(variableNames(store), System.err);
        VocabularyExtension.loadExtended(session, store, reader, seed);
        return;
      }
    }
    load(session, store, checkpoint.get());
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
   * F32, BF16 or F16) through {@link VariableStore#load}: each tensor's bytes go unchanged from the
   * memory-mapped files into native TensorFlow tensors and are cast to f32 in the graph, several variables
   * per session run.
   *
   * @return the names loaded
   * @throws io.liquidj.framework.UserError naming the missing tensor, the mismatched shape or the tensors the
   *     backbone would not use
   */
  public static List<String> load(Session session, VariableStore store, Path dir) {
    try (Checkpoint checkpoint = Checkpoint.open(dir)) {
      for (VariableStore.Variable v : store.all()) {
        String name = v.spec().name();
        if (!checkpoint.contains(name)) {
          throw new UserError("checkpoint " + dir + " has no tensor \"" + name + "\" (needed by the backbone; it has "
              + checkpoint.names().size() + " tensors)");
        }
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), v.spec().shape())) {
          throw new UserError("checkpoint " + dir + ": tensor \"" + name + "\" has shape " + Arrays.toString(info.shape())
              + ", the backbone expects " + Arrays.toString(v.spec().shape()) + " (does config.json match the weights?)");
        }
      }
      checkpoint.requireAllUsed(variableNames(store), System.err);
      return store.load(session, checkpoint, java.util.function.Function.identity());
    }
  }

  private static List<String> variableNames(VariableStore store) {
    return store.all().stream().map(v -> v.spec().name()).toList();
  }
}
