package io.liquidj.framework.nn;

import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.safetensors.Conversions;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What every Hugging Face {@code *ForCausalLM} decoder has around its layers: the embedding
 * {@code model.embed_tokens}, the final norm {@code model.norm} and the LM head {@code lm_head} (or the
 * embedding, when tied).
 */
public final class CausalLm {
  private CausalLm() {}

  /**
   * Every parameter in checkpoint order: the embedding; per decoder layer ({@code model.layers.<i>.}) the
   * RMSNorm weights named {@code norms}, the self-attention block ({@code self_attn.}, projections with
   * {@code bias}) and the gated MLP ({@code mlp.}); the final norm; and lm_head unless the embeddings are tied.
   * Norms are initialised as {@code norm} scales.
   */
  public static List<ParameterSpec> parameters(
      ModelConfig config, RmsNorm norm, SelfAttention.Bias bias, String... norms) {
    long hidden = config.hiddenSize();
    List<ParameterSpec> specs = new ArrayList<>();
    specs.add(new ParameterSpec("model.embed_tokens.weight", new long[] {config.vocabSize(), hidden}));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      for (String name : norms) {
        specs.add(norm.parameter(p + name + ".weight", hidden));
      }
      specs.addAll(SelfAttention.parameters(p + "self_attn.", config, bias));
      specs.addAll(GatedMlp.parameters(p + "mlp.", hidden, config.intermediateSize()));
    }
    specs.add(norm.parameter("model.norm.weight", hidden));
    if (!config.tieWordEmbeddings()) {
      specs.add(new ParameterSpec("lm_head.weight", new long[] {config.vocabSize(), hidden}));
    }
    return specs;
  }

  /** A decoder layer given the rotary table of the pass's positions: hidden [B, T, hidden] → hidden. */
  @FunctionalInterface
  public interface RopeLayer {
    LayerStack.Output apply(Ops tf, Weights w, int i, Operand<TFloat32> h, Rope.Table rope, ForwardInputs in,
        KvCache.Layer cache);
  }

  /**
   * One forward pass over {@code in} as its pieces: {@code embed}, then {@code config.numHiddenLayers()} layers
   * that share the rotary table of {@code in.positions()} (built once here), then {@code head}.
   */
  public static LayerStack layers(Ops ops, ModelConfig config, ForwardInputs in, LayerStack.Embed embed,
      RopeLayer layer, LayerStack.Head head) {
    Rope.Table rope = Rope.table(ops, config.rope(), config.headDim(), in.positions());
    return LayerStack.of(config.numHiddenLayers(), embed,
        (tf, w, i, h, cache) -> layer.apply(tf, w, i, h, rope, in, cache), head);
  }

  /** ids [B, T] → embeddings [B, T, hidden] f32, gathered from the read (ResourceGather has no gradient). */
  public static Operand<TFloat32> embed(Ops tf, Weights w, Operand<TInt32> ids) {
    Operand<TFloat32> table = w.get("model.embed_tokens.weight");
    Operand<?> stored = Linear.uncast(table);
    if (stored != table) {
      // A bf16 table (VariableStore): gather its rows, then cast only those to f32.
      return tf.dtypes.cast(tf.gather(stored, ids, tf.constant(0)), TFloat32.class);
    }
    return tf.gather(table, ids, tf.constant(0));
  }

  /**
   * ids [B, T] → embeddings × sqrt(hidden) [B, T, hidden] f32 (Gemma, Gemma-2). transformers multiplies by
   * {@code torch.tensor(hidden_size**0.5, dtype=hidden_states.dtype)}: the normaliser is rounded to the
   * activation dtype, so under bf16 it is bf16(sqrt(hidden)) (55.5 for hidden 3072) (GemmaModel.forward).
   */
  public static Operand<TFloat32> scaledEmbed(
      Ops tf, Weights w, Operand<TInt32> ids, int hiddenSize, Precision precision) {
    float normalizer = (float) Math.sqrt(hiddenSize);
    if (precision == Precision.BF16) {
      normalizer = Float.intBitsToFloat((Conversions.floatToBf16(normalizer) & 0xffff) << 16);
    }
    return tf.math.mul(embed(tf, w, ids), tf.constant(normalizer));
  }

  /** hidden [B, T, hidden] → the final norm {@code model.norm} → logits [B, T, V] through {@link #lmHead}. */
  public static Operand<TFloat32> normedLmHead(
      Ops tf, Weights w, Operand<TFloat32> h, RmsNorm norm, ModelConfig config, Precision precision) {
    return lmHead(tf, w, norm.apply(tf, h, w.get("model.norm.weight")), config, precision);
  }

  /** The final-normed hidden [B, T, hidden] → logits [B, T, V] through lm_head, or the embedding when tied. */
  public static Operand<TFloat32> lmHead(
      Ops tf, Weights w, Operand<TFloat32> normed, ModelConfig config, Precision precision) {
    return Linear.apply(tf, normed, w.get(config.lmHeadWeight()), null, precision);
  }
}
