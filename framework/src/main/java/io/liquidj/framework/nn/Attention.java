package io.liquidj.framework.nn;

import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.Precision;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;
import org.tensorflow.types.family.TType;

/**
 * Scaled dot-product attention over projected, rotated heads, as transformers' {@code
 * eager_attention_forward}: grouped-query heads by repeating key/value heads, optional logit
 * soft-capping, the {@code allowed} mask, optional sliding window, softmax in f32.
 *
 * <p>With a cache, the new keys and values are written into the layer's cache at the write index
 * and the queries attend over the whole cache. Only plain ops are used (Pad, Select, Range), so the
 * same code runs in a training graph and inside a while-loop body.
 */
public final class Attention {
  private Attention() {}

  /** The value masked scores get: torch.finfo(float32).min, as transformers' additive masks. */
  private static final float MASKED = -3.4028235e38f;

  /**
   * @param numHeads query heads
   * @param numKeyValueHeads key/value heads (a divisor of numHeads)
   * @param headDim per-head size
   * @param scale multiplies q·kᵀ (head_dim^-0.5, or query_pre_attn_scalar^-0.5 for Gemma-2)
   * @param softCap attention-logit soft-capping ({@code cap · tanh(s / cap)}), 0 for none
   * @param slidingWindow keys with {@code position(query) - position(key) >= window} are masked, 0 for none
   * @param precision the matmul dtype (and the cache dtype)
   */
  public record Settings(
      int numHeads, int numKeyValueHeads, int headDim, double scale, double softCap, int slidingWindow,
      Precision precision) {
    public Settings {
      if (numHeads % numKeyValueHeads != 0) {
        throw new IllegalArgumentException("numHeads must be a multiple of numKeyValueHeads");
      }
    }
  }

  /**
   * The attention output and, with a cache, the updated cache entries.
   *
   * @param output [B, T, num_heads · head_dim] f32
   * @param cache the layer's updated cache, or null without one
   */
  public record Result(Operand<TFloat32> output, KvCache.Layer cache) {}

  /**
   * q: [B, H, T, D] f32, k and v: [B, KVH, T, D] f32 (after RoPE), allowed: [B, T, S] bool,
   * positions: [B, T] int32, keyPositions: [B, S] int32, cache: null or the layer's entries with
   * cacheWriteIndex a scalar int32 → {@link Result}. Cache slots not yet written must hold finite values
   * (start from zeros, as transformers' StaticCache): their attention probability is 0, but 0 · NaN is NaN.
   */
  public static Result apply(
      Ops tf, Settings s, Operand<TFloat32> q, Operand<TFloat32> k, Operand<TFloat32> v,
      Operand<TBool> allowed, Operand<TInt32> positions, Operand<TInt32> keyPositions,
      KvCache.Layer cache, Operand<TInt32> cacheWriteIndex) {
    return applyAs(tf, s, s.precision().matmulType(), q, k, v, allowed, positions, keyPositions, cache,
        cacheWriteIndex);
  }

  private static <M extends TFloating> Result applyAs(
      Ops tf, Settings s, Class<M> type, Operand<TFloat32> q, Operand<TFloat32> k, Operand<TFloat32> v,
      Operand<TBool> allowed, Operand<TInt32> positions, Operand<TInt32> keyPositions,
      KvCache.Layer cache, Operand<TInt32> cacheWriteIndex) {
    Operand<M> query = cast(tf, q, type);
    Operand<M> keys = cast(tf, k, type);
    Operand<M> values = cast(tf, v, type);
    KvCache.Layer updated = null;
    if (cache != null) {
      keys = writeIntoCache(tf, cast(tf, cache.keys(), type), keys, cacheWriteIndex);
      values = writeIntoCache(tf, cast(tf, cache.values(), type), values, cacheWriteIndex);
      updated = new KvCache.Layer(keys, values);
    }
    int groups = s.numHeads() / s.numKeyValueHeads();
    Operand<M> repeatedKeys = repeatKv(tf, keys, s, groups);
    Operand<M> repeatedValues = repeatKv(tf, values, s, groups);

    // attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling  → [B, H, T, S]
    Operand<TFloat32> scores = tf.dtypes.cast(
        tf.train.batchMatMul(query, repeatedKeys, type, BatchMatMul.adjY(true)), TFloat32.class);
    scores = tf.math.mul(scores, tf.constant((float) s.scale()));
    if (s.softCap() > 0) {
      // attn_weights / softcap; tanh; * softcap — before the mask (transformers Gemma2 eager_attention_forward)
      Operand<TFloat32> cap = tf.constant((float) s.softCap());
      scores = tf.math.mul(tf.math.tanh(tf.math.div(scores, cap)), cap);
    }
    Operand<TBool> mask = allowed;
    if (s.slidingWindow() > 0) {
      // sliding_window_overlay: kv_idx > q_idx - sliding_window, i.e. q - kv < window (transformers masking_utils)
      Operand<TInt32> distance = tf.math.sub(
          tf.expandDims(positions, tf.constant(2)), tf.expandDims(keyPositions, tf.constant(1)));
      mask = tf.math.logicalAnd(mask, tf.math.less(distance, tf.constant(s.slidingWindow())));
    }
    // [B, T, S] → [B, 1, T, S], broadcast over heads; masked scores become finfo.min as HF's additive mask
    scores = tf.select(tf.expandDims(mask, tf.constant(1)), scores, tf.constant(MASKED));
    // softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    Operand<M> probs = cast(tf, tf.nn.softmax(scores), type);
    Operand<TFloat32> heads = tf.dtypes.cast(
        tf.train.batchMatMul(probs, repeatedValues, type), TFloat32.class); // [B, H, T, D]
    return new Result(mergeHeads(tf, heads, s.numHeads() * s.headDim()), updated);
  }

  /** x: [B, T, N·D] → [B, N, T, D] (view(bsz, q_len, heads, head_dim).transpose(1, 2)). */
  public static Operand<TFloat32> splitHeads(Ops tf, Operand<TFloat32> x, int numHeads, int headDim) {
    Operand<TInt32> shape = Shapes.of(tf, Shapes.dim(tf, x, 0), Shapes.dim(tf, x, 1), numHeads, headDim);
    return tf.linalg.transpose(tf.reshape(x, shape), tf.constant(new int[] {0, 2, 1, 3}));
  }

  /** x: [B, N, T, D] → [B, T, N·D] (transpose(1, 2).reshape(bsz, q_len, -1)). */
  private static Operand<TFloat32> mergeHeads(Ops tf, Operand<TFloat32> x, int width) {
    Operand<TFloat32> t = tf.linalg.transpose(x, tf.constant(new int[] {0, 2, 1, 3}));
    return tf.reshape(t, Shapes.of(tf, Shapes.dim(tf, t, 0), Shapes.dim(tf, t, 1), width));
  }

  /**
   * repeat_kv: [B, KVH, S, D] → [B, KVH·groups, S, D]; query head h reads key/value head h / groups
   * (transformers modeling_llama.repeat_kv).
   */
  private static <M extends TType> Operand<M> repeatKv(Ops tf, Operand<M> x, Settings s, int groups) {
    if (groups == 1) {
      return x;
    }
    Operand<M> expanded = tf.expandDims(x, tf.constant(2)); // [B, KVH, 1, S, D]
    Operand<M> tiled = tf.tile(expanded, tf.constant(new int[] {1, 1, groups, 1, 1}));
    // Head counts from the settings: inside a while-loop body the cache's static shape may be unknown.
    return tf.reshape(tiled, Shapes.of(tf, Shapes.dim(tf, x, 0), s.numHeads(), Shapes.dim(tf, x, 2), s.headDim()));
  }

  /**
   * Writes {@code update} [B, KVH, T, D] into {@code cache} [B, KVH, S, D] at slots [index, index+T):
   * pad the update to S slots, then select it where the slot is in range. Plain ops only (no
   * scatter, no XLA-only dynamic-update-slice), so it works inside function bodies.
   */
  private static <M extends TType> Operand<M> writeIntoCache(
      Ops tf, Operand<M> cache, Operand<M> update, Operand<TInt32> index) {
    Operand<TInt32> slots = Shapes.dim(tf, cache, 2);
    Operand<TInt32> newTokens = Shapes.dim(tf, update, 2);
    Operand<TInt32> zero = tf.constant(0);
    Operand<TInt32> after = tf.math.sub(tf.math.sub(slots, index), newTokens);
    Operand<TInt32> paddings = tf.stack(List.of(
        tf.stack(List.of(zero, zero)), tf.stack(List.of(zero, zero)),
        tf.stack(List.of(index, after)), tf.stack(List.of(zero, zero))));
    Operand<M> padded = tf.pad(update, paddings, tf.zeros(tf.constant(new int[0]), cache.type()));
    Operand<TInt32> slot = tf.range(zero, slots, tf.constant(1));
    Operand<TBool> written = tf.math.logicalAnd(
        tf.math.greaterEqual(slot, index), tf.math.less(slot, tf.math.add(index, newTokens)));
    return tf.select(tf.reshape(written, tf.constant(new int[] {1, 1, -1, 1})), padded, cache);
  }

  @SuppressWarnings("unchecked")
  private static <M extends TType> Operand<M> cast(Ops tf, Operand<? extends TType> x, Class<M> type) {
    return x.type() == type ? (Operand<M>) x : tf.dtypes.cast(x, type);
  }
}
