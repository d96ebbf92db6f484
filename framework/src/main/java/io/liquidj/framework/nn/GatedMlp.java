package io.liquidj.framework.nn;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The gated feed-forward block {@code down_proj(act(gate_proj(x)) * up_proj(x))} (transformers LlamaMLP.forward). */
public final class GatedMlp {
  private GatedMlp() {}

  /** The gate's activation, by its transformers ACT2FN name. */
  public enum Activation {
    /** {@code silu}: SwiGLU (Llama, Qwen2). */
    SILU,
    /** {@code gelu_pytorch_tanh}: GeGLU with the tanh approximation (Gemma, Gemma-2). */
    GELU_TANH,
    /** {@code gelu}: GeGLU with the exact erf form. */
    GELU;

    /** Parses a config.json hidden_act / hidden_activation value. */
    public static Activation parse(String name, String source) {
      return switch (name) {
        case "silu", "swish" -> SILU;
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> GELU_TANH;
        case "gelu" -> GELU;
        default -> throw new UserError(source + ": activation \"" + name
            + "\" is not supported; supported: silu, gelu_pytorch_tanh, gelu");
      };
    }
  }

  /** gate_proj, up_proj [intermediate, hidden] and down_proj [hidden, intermediate] under {@code prefix}. */
  public static List<ParameterSpec> parameters(String prefix, long hidden, long intermediate) {
    List<ParameterSpec> specs = new ArrayList<>();
    specs.addAll(Linear.parameters(prefix + "gate_proj", intermediate, hidden, false));
    specs.addAll(Linear.parameters(prefix + "up_proj", intermediate, hidden, false));
    specs.addAll(Linear.parameters(prefix + "down_proj", hidden, intermediate, false));
    return specs;
  }

  /** x: [..., hidden] f32 → [..., hidden] f32, through the projections under {@code prefix} ("….mlp."). */
  public static Operand<TFloat32> apply(
      Ops tf, Weights w, String prefix, Operand<TFloat32> x, Activation activation, Precision precision) {
    Operand<TFloat32> g = activate(tf, Linear.apply(tf, w, prefix + "gate_proj", x, false, precision), activation);
    Operand<TFloat32> u = Linear.apply(tf, w, prefix + "up_proj", x, false, precision);
    return Linear.apply(tf, w, prefix + "down_proj", tf.math.mul(g, u), false, precision);
  }

  /** The activation in f32. */
  public static Operand<TFloat32> activate(Ops tf, Operand<TFloat32> x, Activation activation) {
    return switch (activation) {
      // silu(x) = x * sigmoid(x)
      case SILU -> tf.math.mul(x, tf.math.sigmoid(x));
      // GELUTanh: 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))) (transformers activations.py)
      case GELU_TANH -> {
        Operand<TFloat32> cube = tf.math.mul(tf.math.square(x), x);
        Operand<TFloat32> inner = tf.math.mul(tf.constant((float) Math.sqrt(2 / Math.PI)),
            tf.math.add(x, tf.math.mul(tf.constant(0.044715f), cube)));
        yield tf.math.mul(tf.math.mul(tf.constant(0.5f), x), tf.math.add(tf.constant(1f), tf.math.tanh(inner)));
      }
      // gelu(x) = 0.5 * x * (1 + erf(x / sqrt(2)))
      case GELU -> tf.math.mul(tf.math.mul(tf.constant(0.5f), x),
          tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2)))))));
    };
  }
}
