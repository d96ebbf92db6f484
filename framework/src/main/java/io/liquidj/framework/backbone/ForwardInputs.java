package io.liquidj.framework.backbone;

import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;

/**
 * The inputs of one forward pass.
 *
 * @param ids token ids [B,T] int32
 * @param positions rotary positions of the T tokens [B,T] int32 (restart at 0 for each packed
 *     document; start after the left padding in generation)
 * @param allowed which keys each query may attend to [B,T,S] bool: causal, same document, not
 *     padding. S = T without a cache, S = the cache length with one
 * @param keyPositions positions of the S keys [B,S] int32 (sliding-window layers additionally
 *     require {@code position(query) - position(key) < window})
 * @param cache the KV cache to write into and attend over, or null for a full forward pass
 * @param cacheWriteIndex where the T new keys/values go in the cache (scalar int32), or null
 */
public record ForwardInputs(
    Operand<TInt32> ids,
    Operand<TInt32> positions,
    Operand<TBool> allowed,
    Operand<TInt32> keyPositions,
    KvCache cache,
    Operand<TInt32> cacheWriteIndex) {

  public ForwardInputs {
    if ((cache == null) != (cacheWriteIndex == null)) {
      throw new IllegalArgumentException("cache and cacheWriteIndex go together");
    }
  }

  /** A full forward pass without a cache (training, scoring). */
  public static ForwardInputs full(
      Operand<TInt32> ids, Operand<TInt32> positions, Operand<TBool> allowed) {
    return new ForwardInputs(ids, positions, allowed, positions, null, null);
  }
}
