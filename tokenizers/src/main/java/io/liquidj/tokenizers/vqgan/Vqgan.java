package io.liquidj.tokenizers.vqgan;

import io.liquidj.framework.tokenizer.CodesToPixels;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.ParameterSpec.Init;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Liquid's image tokenizer: Chameleon's copy of taming-transformers' {@code VQModel}
 * (chameleon/inference/vqgan.py) as TensorFlow graph functions of (Ops, Weights, operand).
 *
 * <p>Parameters are read as {@code "vqgan." + state-dict key} ({@code vqgan.decoder.conv_in.weight})
 * in PyTorch's layout (conv [out, in, kh, kw]); kernels are transposed to TF's [kh, kw, in, out]
 * inside the graph, so a checkpoint loads and saves without conversion and a VQGAN can share one
 * graph with a backbone. Feature maps are NHWC inside (TF's CPU Conv2D supports only NHWC); the
 * public tensors are NCHW like the PyTorch model's. Spatial sides must be known statically (the
 * tokenizer builds one graph per image size); the batch may be dynamic. As a {@link CodesToPixels}
 * it decodes generated codes inside a generation graph (the export's PNG output).
 */
public final class Vqgan implements CodesToPixels {
  /** The variable-name prefix in front of every state-dict key. */
  public static final String PREFIX = "vqgan.";
  private static final int GROUPS = 32;
  private static final float GROUP_NORM_EPS = 1e-6f;

  private final VqganConfig config;
  private final Map<String, ParameterSpec> specs = new LinkedHashMap<>();

  public Vqgan(VqganConfig config) {
    this.config = config;
    declareParameters();
  }

  public VqganConfig config() {
    return config;
  }

  /**
   * The checkpoint key of a variable ({@code vqgan.encoder.conv_in.weight} → {@code encoder.conv_in.weight}),
   * or null for a variable that is not the VQGAN's: pass to {@code VariableStore.load} when the VQGAN
   * shares a graph with a backbone.
   */
  public static String checkpointName(String variableName) {
    return variableName.startsWith(PREFIX) ? variableName.substring(PREFIX.length()) : null;
  }

  @Override
  public String weightName(String variableName) {
    return checkpointName(variableName);
  }

  @Override
  public int codebookSize() {
    return config.nEmbed();
  }

  @Override
  public int downsampleFactor() {
    return config.downsampleFactor();
  }

  /** Every parameter, named {@code vqgan.<state-dict key>}, PyTorch layout, in state-dict order of modules. */
  @Override
  public List<ParameterSpec> parameters() {
    return List.copyOf(specs.values());
  }

  /** The encoder's result: what the quantizer saw and the codes it chose. */
  public record Encoded(Operand<TFloat32> preQuant, Operand<TInt32> codes) {}

  /**
   * images [B, 3, H, W] f32 in [-1, 1] (H, W multiples of the downsample factor) → pre_quant
   * [B, embed_dim, h, w] = quant_conv(encoder(x)) and codes [B, h·w] int32, row-major.
   */
  public Encoded encode(Ops tf, Weights w, Operand<TFloat32> images) {
    Operand<TFloat32> z = encoderNhwc(tf, w, tf.linalg.transpose(images, tf.constant(new int[] {0, 2, 3, 1})));
    return new Encoded(tf.linalg.transpose(z, tf.constant(new int[] {0, 3, 1, 2})), nearestCodes(tf, w, z));
  }

  /**
   * codes [B, h·w] int32 → images [B, 3, h·f, w·f] f32 (not clamped): decoder(post_quant_conv(codebook[codes]));
   * h and width int32 scalars, known only when the graph runs in an export whose grid is an input.
   */
  @Override
  public Operand<TFloat32> decode(Ops tf, Weights w, Operand<TInt32> codes, Operand<TInt32> h, Operand<TInt32> width) {
    Operand<TFloat32> pixels = decoderNhwc(tf, w, codebookVectors(tf, w, codes, h, width));
    return tf.linalg.transpose(pixels, tf.constant(new int[] {0, 3, 1, 2}));
  }

  /** x [B, H, W, 3] → z [B, h, w, embed_dim]: encoder then quant_conv. */
  public Operand<TFloat32> encoderNhwc(Ops tf, Weights w, Operand<TFloat32> x) {
    String e = "encoder.";
    Operand<TFloat32> h = conv(tf, w, e + "conv_in", x);
    int res = config.resolution();
    int levels = config.chMult().size();
    for (int level = 0; level < levels; level++) {
      for (int block = 0; block < config.numResBlocks(); block++) {
        h = resnetBlock(tf, w, e + "down." + level + ".block." + block, h);
        if (config.attnResolutions().contains(res)) {
          h = attnBlock(tf, w, e + "down." + level + ".attn." + block, h);
        }
      }
      if (level != levels - 1) {
        h = downsample(tf, w, e + "down." + level + ".downsample.conv", h);
        res /= 2;
      }
    }
    h = middle(tf, w, e + "mid.", h);
    h = conv(tf, w, e + "conv_out", swish(tf, groupNorm(tf, w, e + "norm_out", h)));
    return conv1x1(tf, w, "quant_conv", h);
  }

  /** z [B, h, w, C] → images [B, H, W, out_ch]: post_quant_conv then decoder. */
  public Operand<TFloat32> decoderNhwc(Ops tf, Weights w, Operand<TFloat32> zq) {
    String d = "decoder.";
    int levels = config.chMult().size();
    int res = config.resolution() >> (levels - 1);
    Operand<TFloat32> h = conv(tf, w, d + "conv_in", conv1x1(tf, w, "post_quant_conv", zq));
    h = middle(tf, w, d + "mid.", h);
    for (int level = levels - 1; level >= 0; level--) {
      for (int block = 0; block < config.numResBlocks() + 1; block++) {
        h = resnetBlock(tf, w, d + "up." + level + ".block." + block, h);
        if (config.attnResolutions().contains(res)) {
          h = attnBlock(tf, w, d + "up." + level + ".attn." + block, h);
        }
      }
      if (level != 0) {
        h = upsample(tf, w, d + "up." + level + ".upsample.conv", h);
        res *= 2;
      }
    }
    return conv(tf, w, d + "conv_out", swish(tf, groupNorm(tf, w, d + "norm_out", h)));
  }

  /**
   * z [B, h, w, E] → codes [B, h·w] int32: argmin over the codebook of ‖z‖² + ‖e‖² − 2 z·e, in that
   * order as VectorQuantizer2.forward computes it; ties go to the lowest index (torch.argmin, TF ArgMin).
   */
  public Operand<TInt32> nearestCodes(Ops tf, Weights w, Operand<TFloat32> z) {
    Shape s = z.shape();
    long positions = s.get(1) * s.get(2);
    Operand<TFloat32> flat = tf.reshape(z, tf.constant(new long[] {-1, config.embedDim()}));
    Operand<TFloat32> codebook = w.get(PREFIX + "quantize.embedding.weight");
    Operand<TFloat32> zz = tf.sum(tf.math.square(flat), tf.constant(1), org.tensorflow.op.core.Sum.keepDims(true));
    Operand<TFloat32> ee = tf.sum(tf.math.square(codebook), tf.constant(1));
    Operand<TFloat32> ze = tf.linalg.matMul(flat, codebook, org.tensorflow.op.linalg.MatMul.transposeB(true));
    Operand<TFloat32> distance = tf.math.sub(tf.math.add(zz, ee), tf.math.mul(tf.constant(2f), ze));
    return tf.reshape(tf.math.argMin(distance, tf.constant(1), TInt32.class), tf.constant(new long[] {-1, positions}));
  }

  /** codes [B, h·w] → codebook vectors [B, h, w, E] (get_codebook_entry; GatherV2 on the read, which has a gradient). */
  public Operand<TFloat32> codebookVectors(Ops tf, Weights w, Operand<TInt32> codes, int h, int width) {
    return codebookVectors(tf, w, codes, tf.constant(h), tf.constant(width));
  }

  /** codes [B, h·w] → codebook vectors [B, h, w, E], h and width int32 scalars. */
  public Operand<TFloat32> codebookVectors(
      Ops tf, Weights w, Operand<TInt32> codes, Operand<TInt32> h, Operand<TInt32> width) {
    Operand<TFloat32> vectors = tf.gather(w.get(PREFIX + "quantize.embedding.weight"), codes, tf.constant(0));
    return tf.reshape(vectors, tf.stack(List.of(tf.constant(-1), h, width, tf.constant((int) config.embedDim()))));
  }

  private Operand<TFloat32> middle(Ops tf, Weights w, String name, Operand<TFloat32> h) {
    h = resnetBlock(tf, w, name + "block_1", h);
    h = attnBlock(tf, w, name + "attn_1", h);
    return resnetBlock(tf, w, name + "block_2", h);
  }

  /** ResnetBlock without time embedding: x + conv2(swish(norm2(conv1(swish(norm1(x)))))), nin_shortcut when channels change. */
  private Operand<TFloat32> resnetBlock(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    Operand<TFloat32> h = conv(tf, w, name + ".conv1", swish(tf, groupNorm(tf, w, name + ".norm1", x)));
    h = conv(tf, w, name + ".conv2", swish(tf, groupNorm(tf, w, name + ".norm2", h)));
    Operand<TFloat32> shortcut = specs.containsKey(PREFIX + name + ".nin_shortcut.weight")
        ? conv1x1(tf, w, name + ".nin_shortcut", x) : x;
    return tf.math.add(shortcut, h);
  }

  /** AttnBlock: single-head softmax(q kᵀ / √C) v over the h·w positions, proj_out, residual. */
  private Operand<TFloat32> attnBlock(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    long c = x.shape().get(3);
    Operand<TInt32> tokens = positionsShape(tf, x); // [B, h·w, C], h and w possibly known only at run time
    Operand<TFloat32> hn = groupNorm(tf, w, name + ".norm", x);
    Operand<TFloat32> q = tf.reshape(conv1x1(tf, w, name + ".q", hn), tokens);
    Operand<TFloat32> k = tf.reshape(conv1x1(tf, w, name + ".k", hn), tokens);
    Operand<TFloat32> v = tf.reshape(conv1x1(tf, w, name + ".v", hn), tokens);
    Operand<TFloat32> scores = tf.math.mul(
        tf.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true)), tf.constant((float) Math.pow(c, -0.5)));
    Operand<TFloat32> attended = tf.train.batchMatMul(tf.nn.softmax(scores), v, TFloat32.class);
    Operand<TFloat32> out = conv1x1(tf, w, name + ".proj_out",
        tf.reshape(attended, tf.shape(x)));
    return tf.math.add(x, out);
  }

  /** Downsample: F.pad(x, (0, 1, 0, 1)) (right and bottom), then 3×3 conv stride 2 without padding. */
  private Operand<TFloat32> downsample(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    Operand<TFloat32> padded = tf.pad(x, tf.constant(new int[][] {{0, 0}, {0, 1}, {0, 1}, {0, 0}}), tf.constant(0f));
    return convolve(tf, w, name, padded, 2, "VALID");
  }

  /** Upsample: nearest ×2 (F.interpolate mode="nearest": source index floor(i/2)), then 3×3 conv. */
  private Operand<TFloat32> upsample(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    Operand<TInt32> size = tf.slice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {2})); // [h, w]
    Operand<TFloat32> up = tf.image.resizeNearestNeighbor(x, tf.math.mul(size, tf.constant(2)));
    return conv(tf, w, name, up);
  }

  /**
   * GroupNorm(32, eps 1e-6, affine): statistics over (H, W, C/32) per group, biased variance.
   *
   * <p>Per-channel sums are pooled into groups and spread back with a one-hot [C, 32] matrix, so every
   * broadcast is rank 3 (the rank-5 grouped form spent most of a CPU training step copying broadcasts).
   */
  private Operand<TFloat32> groupNorm(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    long c = x.shape().get(3);
    Operand<TInt32> hw = tf.reduceProd(
        tf.slice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {2})), tf.constant(0));
    Operand<TFloat32> count = tf.dtypes.cast(tf.math.mul(hw, tf.constant((int) (c / GROUPS))), TFloat32.class);
    float[][] oneHot = new float[(int) c][GROUPS];
    for (int channel = 0; channel < c; channel++) {
      oneHot[channel][(int) (channel / (c / GROUPS))] = 1f;
    }
    Operand<TFloat32> toGroups = tf.constant(oneHot); // [C, G]
    Operand<TFloat32> flat = tf.reshape(x, positionsShape(tf, x)); // [N, HW, C]
    Operand<TInt32> spatial = tf.constant(new int[] {1});
    Operand<TFloat32> mean = perChannel(tf, tf.reduceSum(flat, spatial), toGroups, count); // [N, C]
    Operand<TFloat32> centered = tf.math.sub(flat, tf.expandDims(mean, tf.constant(1)));
    Operand<TFloat32> variance = perChannel(tf, tf.reduceSum(tf.math.square(centered), spatial), toGroups, count);
    Operand<TFloat32> scale = tf.math.mul(tf.math.rsqrt(tf.math.add(variance, tf.constant(GROUP_NORM_EPS))),
        w.get(PREFIX + name + ".weight")); // [N, C]
    Operand<TFloat32> normed = tf.math.add(tf.math.mul(centered, tf.expandDims(scale, tf.constant(1))),
        w.get(PREFIX + name + ".bias"));
    return tf.reshape(normed, tf.shape(x));
  }

  /** The shape [N, h·w, C] of x [N, h, w, C] flattened over positions (h and w may be known only at run time). */
  private static Operand<TInt32> positionsShape(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> n = tf.gather(tf.shape(x), tf.constant(0), tf.constant(0));
    return tf.stack(List.of(n, tf.constant(-1), tf.constant((int) x.shape().get(3))));
  }

  /** Per-channel sums [N, C] → their group's mean, repeated for each channel of the group [N, C]. */
  private static Operand<TFloat32> perChannel(
      Ops tf, Operand<TFloat32> sums, Operand<TFloat32> toGroups, Operand<TFloat32> count) {
    Operand<TFloat32> groups = tf.math.div(tf.linalg.matMul(sums, toGroups), count); // [N, G]
    return tf.linalg.matMul(groups, toGroups, org.tensorflow.op.linalg.MatMul.transposeB(true));
  }

  private static Operand<TFloat32> swish(Ops tf, Operand<TFloat32> x) {
    return tf.math.mul(x, tf.math.sigmoid(x));
  }

  /** 3×3 conv, stride 1, padding 1 (TF "SAME" pads 1 on each side for an odd kernel at stride 1). */
  private Operand<TFloat32> conv(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    return convolve(tf, w, name, x, 1, "SAME");
  }

  private Operand<TFloat32> conv1x1(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    return convolve(tf, w, name, x, 1, "VALID");
  }

  private Operand<TFloat32> convolve(Ops tf, Weights w, String name, Operand<TFloat32> x, int stride, String padding) {
    // PyTorch [out, in, kh, kw] → TF [kh, kw, in, out]
    Operand<TFloat32> kernel = tf.linalg.transpose(w.get(PREFIX + name + ".weight"), tf.constant(new int[] {2, 3, 1, 0}));
    Operand<TFloat32> y = tf.nn.conv2d(x, kernel, List.of(1L, (long) stride, (long) stride, 1L), padding);
    return tf.nn.biasAdd(y, w.get(PREFIX + name + ".bias"));
  }

  // ---- parameters, declared in the same walk as the forward functions above ----

  private void declareParameters() {
    int ch = config.ch();
    List<Integer> mult = config.chMult();
    int levels = mult.size();
    String e = "encoder.";
    declareConv(e + "conv_in", ch, config.inChannels(), 3);
    int res = config.resolution();
    int blockIn = ch;
    for (int level = 0; level < levels; level++) {
      int blockOut = ch * mult.get(level);
      for (int block = 0; block < config.numResBlocks(); block++) {
        declareResnet(e + "down." + level + ".block." + block, blockIn, blockOut);
        blockIn = blockOut;
        if (config.attnResolutions().contains(res)) {
          declareAttn(e + "down." + level + ".attn." + block, blockIn);
        }
      }
      if (level != levels - 1) {
        declareConv(e + "down." + level + ".downsample.conv", blockIn, blockIn, 3);
        res /= 2;
      }
    }
    declareMiddle(e + "mid.", blockIn);
    declareNorm(e + "norm_out", blockIn);
    declareConv(e + "conv_out", config.zChannels(), blockIn, 3);

    String d = "decoder.";
    blockIn = ch * mult.get(levels - 1);
    res = config.resolution() >> (levels - 1);
    declareConv(d + "conv_in", blockIn, config.zChannels(), 3);
    declareMiddle(d + "mid.", blockIn);
    for (int level = levels - 1; level >= 0; level--) {
      int blockOut = ch * mult.get(level);
      for (int block = 0; block < config.numResBlocks() + 1; block++) {
        declareResnet(d + "up." + level + ".block." + block, blockIn, blockOut);
        blockIn = blockOut;
        if (config.attnResolutions().contains(res)) {
          declareAttn(d + "up." + level + ".attn." + block, blockIn);
        }
      }
      if (level != 0) {
        declareConv(d + "up." + level + ".upsample.conv", blockIn, blockIn, 3);
        res *= 2;
      }
    }
    declareNorm(d + "norm_out", blockIn);
    declareConv(d + "conv_out", config.outCh(), blockIn, 3);

    declare("quantize.embedding.weight", Init.NORMAL, config.nEmbed(), config.embedDim());
    declareConv("quant_conv", config.embedDim(), config.zChannels(), 1);
    declareConv("post_quant_conv", config.zChannels(), config.embedDim(), 1);
  }

  private void declareMiddle(String name, int channels) {
    declareResnet(name + "block_1", channels, channels);
    declareAttn(name + "attn_1", channels);
    declareResnet(name + "block_2", channels, channels);
  }

  private void declareResnet(String name, int in, int out) {
    declareNorm(name + ".norm1", in);
    declareConv(name + ".conv1", out, in, 3);
    declareNorm(name + ".norm2", out);
    declareConv(name + ".conv2", out, out, 3);
    if (in != out) {
      declareConv(name + ".nin_shortcut", out, in, 1);
    }
  }

  private void declareAttn(String name, int channels) {
    declareNorm(name + ".norm", channels);
    for (String p : List.of("q", "k", "v", "proj_out")) {
      declareConv(name + "." + p, channels, channels, 1);
    }
  }

  private void declareConv(String name, int out, int in, int kernel) {
    declare(name + ".weight", Init.NORMAL, out, in, kernel, kernel);
    declare(name + ".bias", Init.NORMAL, out);
  }

  private void declareNorm(String name, int channels) {
    declare(name + ".weight", Init.ONES, channels);
    declare(name + ".bias", Init.ZEROS, channels);
  }

  private void declare(String key, Init init, long... shape) {
    specs.put(PREFIX + key, new ParameterSpec(PREFIX + key, shape, init));
  }

  /**
   * PyTorch's default initialisation, for benchmarks and training from scratch: conv weights and
   * biases U(±1/√fan_in) (kaiming_uniform with a=√5), GroupNorm 1 and 0, codebook U(±1/n_embed)
   * (VectorQuantizer2.__init__). Deterministic for a given seed (stateless random ops).
   */
  public VariableStore.Initializer initializer(long seed) {
    return (tf, spec) -> {
      Shape shape = Shape.of(spec.shape());
      if (spec.init() == Init.ONES) {
        return tf.fill(tf.constant(shape), tf.constant(1f));
      }
      if (spec.init() == Init.ZEROS) {
        return tf.fill(tf.constant(shape), tf.constant(0f));
      }
      double bound;
      if (spec.name().endsWith("quantize.embedding.weight")) {
        bound = 1.0 / config.nEmbed();
      } else {
        long[] weight = specs.get(spec.name().replaceFirst("\\.bias$", ".weight")).shape();
        bound = 1.0 / Math.sqrt((double) weight[1] * weight[2] * weight[3]);
      }
      Operand<TFloat32> unit = tf.random.statelessRandomUniform(tf.constant(shape),
          tf.constant(new long[] {seed, spec.name().hashCode()}));
      return tf.math.mul(tf.math.sub(tf.math.mul(unit, tf.constant(2f)), tf.constant(1f)), tf.constant((float) bound));
    };
  }
}
