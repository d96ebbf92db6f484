package io.liquidj.framework.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A test-only backbone honouring the {@link Backbone} contract with a real KV cache: embedding, one
 * single-head attention layer over the cache, a position signal, and an output head.
 */
final class TinyCacheBackbone implements Backbone {
  private final ModelConfig config;

  TinyCacheBackbone(int vocab, int hidden) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model_type", "tiny-cache");
    json.put("vocab_size", vocab);
    json.put("hidden_size", hidden);
    json.put("intermediate_size", hidden);
    json.put("num_hidden_layers", 1);
    json.put("num_attention_heads", 1);
    json.put("num_key_value_heads", 1);
    json.put("head_dim", hidden);
    json.put("eos_token_id", 2);
    this.config = ModelConfig.fromJson(json, "tiny-cache");
  }

  TinyCacheBackbone(ModelConfig config) {
    this.config = config;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    long v = config.vocabSize();
    long d = config.hiddenSize();
    return List.of(
        new ParameterSpec("embed", new long[] {v, d}),
        new ParameterSpec("wq", new long[] {d, d}),
        new ParameterSpec("wk", new long[] {d, d}),
        new ParameterSpec("wv", new long[] {d, d}),
        new ParameterSpec("position", new long[] {d}),
        new ParameterSpec("head", new long[] {v, d}));
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs in) {
    return new LayerStack() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public Operand<TFloat32> embed(Ops tf, Weights w) {
        Operand<TFloat32> x = tf.gather(w.get("embed"), in.ids(), tf.constant(0)); // [B,T,D]
        Operand<TFloat32> pos = tf.math.sin(tf.math.mul(tf.dtypes.cast(in.positions(), TFloat32.class), tf.constant(0.7f)));
        return tf.math.add(x, tf.math.mul(tf.expandDims(pos, tf.constant(-1)), w.get("position")));
      }

      @Override
      public Output layer(Ops tf, Weights w, int index, Operand<TFloat32> x, KvCache.Layer cache) {
        Operand<TFloat32> q = unflat(tf, tf.linalg.matMul(flat(tf, x), w.get("wq")), x);
        Operand<TFloat32> k = unflat(tf, tf.linalg.matMul(flat(tf, x), w.get("wk")), x);
        Operand<TFloat32> v = unflat(tf, tf.linalg.matMul(flat(tf, x), w.get("wv")), x);
        Operand<TFloat32> keys = k;
        Operand<TFloat32> values = v;
        KvCache.Layer updated = null;
        if (cache != null) {
          Operand<TFloat32> ck = write(tf, castF(cache.keys()), k, in.cacheWriteIndex());
          Operand<TFloat32> cv = write(tf, castF(cache.values()), v, in.cacheWriteIndex());
          updated = new KvCache.Layer(ck, cv);
          keys = tf.squeeze(ck, org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
          values = tf.squeeze(cv, org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
        }
        Operand<TFloat32> scores = tf.math.mul(
            tf.train.batchMatMul(q, keys, TFloat32.class, BatchMatMul.adjY(true)),
            tf.constant((float) (1 / Math.sqrt(config.hiddenSize())))); // [B,T,S]
        scores = tf.select(in.allowed(), scores, tf.fill(tf.shape(scores), tf.constant(-1e9f)));
        Operand<TFloat32> attended = tf.train.batchMatMul(tf.nn.softmax(scores), values, TFloat32.class);
        return new Output(tf.math.add(x, attended), updated);
      }

      @Override
      public Operand<TFloat32> head(Ops tf, Weights w, Operand<TFloat32> h) {
        Operand<TFloat32> logits = tf.linalg.matMul(flat(tf, h), w.get("head"),
            org.tensorflow.op.linalg.MatMul.transposeB(true));
        Operand<TInt32> shape = tf.concat(List.of(
            tf.slice(tf.shape(h), tf.constant(new int[] {0}), tf.constant(new int[] {2})),
            tf.constant(new int[] {config.vocabSize()})), tf.constant(0));
        return tf.reshape(logits, shape);
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> castF(Operand<?> x) {
    return (Operand<TFloat32>) x;
  }

  /** cache [B,1,S,D] with new [B,T,D] written at [index, index+T). */
  private static Operand<TFloat32> write(Ops tf, Operand<TFloat32> cache, Operand<TFloat32> fresh, Operand<TInt32> index) {
    Operand<TInt32> t = tf.gather(tf.shape(fresh), tf.constant(1), tf.constant(0));
    Operand<TFloat32> before = tf.slice(cache, tf.constant(new int[] {0, 0, 0, 0}),
        tf.stack(List.of(tf.constant(-1), tf.constant(-1), index, tf.constant(-1))));
    Operand<TFloat32> after = tf.slice(cache, tf.stack(List.of(tf.constant(0), tf.constant(0), tf.math.add(index, t),
        tf.constant(0))), tf.constant(new int[] {-1, -1, -1, -1}));
    return tf.concat(List.of(before, tf.expandDims(fresh, tf.constant(1)), after), tf.constant(2));
  }

  private Operand<TFloat32> flat(Ops tf, Operand<TFloat32> x) {
    return tf.reshape(x, tf.constant(new int[] {-1, config.hiddenSize()}));
  }

  private static Operand<TFloat32> unflat(Ops tf, Operand<TFloat32> y, Operand<TFloat32> like) {
    return tf.reshape(y, tf.shape(like));
  }
}
