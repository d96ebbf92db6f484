package io.liquidj.framework.backbone;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The result of one forward pass.
 *
 * @param logits next-token logits [B,T,V] f32 (after final soft-capping where the family has it)
 * @param cache the updated KV cache, or null for a pass without a cache
 */
public record ForwardResult(Operand<TFloat32> logits, KvCache cache) {}
