package io.liquidj.framework.backbone;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.ModelConfig.LiquidExtension;
import io.liquidj.framework.safetensors.Conversions;
import io.liquidj.framework.safetensors.TensorInfo;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * Liquid's vocabulary extension: the embedding (and an untied LM head) grows by the image codes and,
 * unless they reuse existing unused tokens, the three specials {@code <boi>}, {@code <eoi>},
 * {@code <unconditional>}. Image code c becomes token {@code vocab_size + c} (see {@link MultimodalVocabulary}).
 *
 * <p>New rows are initialised as transformers' {@code resize_token_embeddings(mean_resizing=True)}
 * ({@code _init_added_embeddings_weights_with_mean}): the mean of the old rows plus noise drawn from
 * N(0, 1e-9 · covariance of the old rows), or the mean alone if that covariance is not positive
 * definite. For large matrices ({@code rows · hidden² > 2^33}, i.e. every real checkpoint) the full
 * covariance costs minutes of host arithmetic, so the noise uses the diagonal of the covariance
 * instead: the same mean, per-dimension variances, no cross-terms — at 1e-9 scale the difference is
 * immaterial.
 */
public final class VocabularyExtension {
  private VocabularyExtension() {}

  /** The VQGAN codebook size of the released Liquid models. */
  public static final int DEFAULT_IMAGE_CODES = 8192;

  /** The parameters with one row per token, which the extension grows: the embedding and an untied LM head. */
  public static final List<String> VOCABULARY_MATRICES = List.of("model.embed_tokens.weight", "lm_head.weight");
  /** transformers' epsilon on the covariance of the added rows. */
  static final double COVARIANCE_SCALE = 1e-9;
  /** Above this many multiply-adds the covariance noise falls back to the diagonal. */
  static final double FULL_COVARIANCE_LIMIT = Math.pow(2, 33);

  /** The names of {@code <boi>}, {@code <eoi>}, {@code <unconditional>} in a tokenizer that defines them. */
  public static final List<String> SPECIAL_NAMES = List.of("<boi>", "<eoi>", "<unconditional>");
  /** Reserved tokens the specials may take, first three of a family: Gemma / Gemma-2, Llama-3. */
  private static final List<List<String>> RESERVED_NAMES = List.of(
      List.of("<unused0>", "<unused1>", "<unused2>"),
      List.of("<|reserved_special_token_0|>", "<|reserved_special_token_1|>", "<|reserved_special_token_2|>"));

  /** Where {@code <boi>}, {@code <eoi>}, {@code <unconditional>} go ({@code trainer.special-tokens}). */
  public enum SpecialSlots {
    /** {@link #RESERVED} when the tokenizer has reserved slots, else {@link #APPEND}. */
    AUTO,
    /** Existing rows: the tokenizer's own specials, its reserved/unused tokens, or spare rows past it. */
    RESERVED,
    /** Three new rows after the image codes. */
    APPEND
  }

  /**
   * The extension of a backbone with {@code textRows} embedding rows and text tokenizer {@code
   * tokenizer}. With {@code RESERVED} (or {@code AUTO}) the specials take, in this order of
   * preference: the tokenizer's own {@code <boi>}, {@code <eoi>}, {@code <unconditional>}; its first
   * three unused tokens ({@code <unused0..2>}, Gemma's ids 7, 8, 9 as {@code Junfeng5/Liquid_V1_7B});
   * its first three reserved ones ({@code <|reserved_special_token_0..2|>}, Llama-3); or the first
   * three spare embedding rows past the tokenizer (Qwen2.5: 151,936 rows, 151,665 tokens). The codes
   * always follow the {@code textRows}, so with the release's Gemma the vocabulary grows by exactly
   * the codes (256,000 + 8192 = 264,192 rows).
   *
   * @throws UserError with {@code RESERVED} when the tokenizer has none of these
   */
  public static Plan plan(TextTokenizer tokenizer, int imageCodes, int textRows, SpecialSlots slots) {
    if (slots == SpecialSlots.APPEND) {
      return Plan.appended(imageCodes);
    }
    List<List<String>> candidates = new java.util.ArrayList<>();
    candidates.add(SPECIAL_NAMES);
    candidates.addAll(RESERVED_NAMES);
    for (List<String> names : candidates) {
      int[] ids = names.stream().map(tokenizer::tokenId)
          .mapToInt(id -> id.isPresent() && id.getAsInt() < textRows ? id.getAsInt() : -1).toArray();
      if (ids[0] >= 0 && ids[1] >= 0 && ids[2] >= 0) {
        return Plan.mappedSpecials(imageCodes, ids[0], ids[1], ids[2]);
      }
    }
    int spare = tokenizer.size();
    if (textRows - spare >= 3) {
      return Plan.mappedSpecials(imageCodes, spare, spare + 1, spare + 2);
    }
    if (slots == SpecialSlots.RESERVED) {
      throw new UserError("trainer.special-tokens = reserved, but the tokenizer has no <unused0..2> or "
          + "<|reserved_special_token_0..2|> tokens and no spare embedding rows (" + textRows + " rows, "
          + spare + " tokens); use auto or append");
    }
    return Plan.appended(imageCodes);
  }

  /**
   * What to add.
   *
   * @param numImageCodes the codebook size
   * @param specialTokenIds existing token ids for {@code <boi>}, {@code <eoi>}, {@code <unconditional>},
   *     or null to append three new rows after the codes
   */
  public record Plan(int numImageCodes, int[] specialTokenIds) {
    public Plan {
      if (numImageCodes <= 0) {
        throw new IllegalArgumentException("numImageCodes must be positive");
      }
      if (specialTokenIds != null && specialTokenIds.length != 3) {
        throw new IllegalArgumentException("specialTokenIds holds <boi>, <eoi>, <unconditional>");
      }
      specialTokenIds = specialTokenIds == null ? null : specialTokenIds.clone();
    }

    /** Codes and the three specials appended as new rows. */
    public static Plan appended(int numImageCodes) {
      return new Plan(numImageCodes, null);
    }

    /** Codes appended; the specials reuse existing (unused) tokens, as the Liquid release does with Gemma. */
    public static Plan mappedSpecials(int numImageCodes, int boi, int eoi, int unconditional) {
      return new Plan(numImageCodes, new int[] {boi, eoi, unconditional});
    }

    /** The rows added to the embedding. */
    public int addedRows() {
      return numImageCodes + (specialTokenIds == null ? 3 : 0);
    }
  }

  /** The config of the extended model: vocab_size grown and the extension recorded. */
  public static ModelConfig extendedConfig(ModelConfig base, Plan plan) {
    if (base.liquid() != null) {
      throw new UserError(base.source() + " is already extended with image codes (image_code_offset "
          + base.liquid().imageCodeOffset() + "); it is used as is");
    }
    int offset = base.vocabSize();
    int[] specials = plan.specialTokenIds();
    if (specials != null) {
      for (int id : specials) {
        if (id < 0 || id >= offset) {
          throw new UserError("special token id " + id + " is outside the existing vocabulary [0, " + offset + ")");
        }
      }
    } else {
      int after = offset + plan.numImageCodes();
      specials = new int[] {after, after + 1, after + 2};
    }
    return base.withLiquidExtension(offset + plan.addedRows(),
        new LiquidExtension(offset, plan.numImageCodes(), specials[0], specials[1], specials[2]));
  }

  /**
   * Loads the base checkpoint {@code base} into the variables of the extended backbone (created
   * from {@link #extendedConfig}): every tensor as is, and for the embedding (and {@code lm_head}
   * when the store has one) the old rows followed by mean-resized new rows.
   *
   * @param seed the noise seed (each grown matrix draws from its own stream)
   */
  public static void loadExtended(Session session, VariableStore store, TensorReader base, long seed) {
    store.load(session, base, name -> VOCABULARY_MATRICES.contains(name) ? null : name);
    for (String name : VOCABULARY_MATRICES) {
      if (!store.contains(name)) {
        continue;
      }
      long[] shape = store.get(name).spec().shape();
      TensorInfo info = base.info(name);
      long oldRows = info.shape()[0];
      if (info.shape().length != 2 || info.shape()[1] != shape[1] || oldRows >= shape[0]) {
        throw new UserError("cannot extend \"" + name + "\" of shape " + java.util.Arrays.toString(info.shape())
            + " to " + java.util.Arrays.toString(shape));
      }
      int added = Math.toIntExact(shape[0] - oldRows);
      try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape))) {
        FloatDataBuffer data = t.asRawTensor().data().asFloats();
        Rows rows = new Rows(base, name);
        for (int r = 0; r < oldRows; r++) {
          data.offset(r * shape[1]).write(rows.row(r));
        }
        data.offset(oldRows * shape[1]).write(meanResizedRows(rows, added, seed + name.hashCode()));
        store.assign(session, name, t);
      }
    }
  }

  /** Row access to a [rows, hidden] checkpoint tensor, straight from its memory-mapped bytes. */
  static final class Rows {
    final int count;
    final int width;
    private final ByteBuffer bytes;
    private final TensorInfo rowInfo;

    Rows(TensorReader reader, String name) {
      TensorInfo info = reader.info(name);
      this.count = Math.toIntExact(info.shape()[0]);
      this.width = Math.toIntExact(info.shape()[1]);
      this.bytes = reader.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
      this.rowInfo = new TensorInfo(name, info.dtype(), new long[] {width}, 0, (long) width * info.dtype().bytes());
    }

    float[] row(int r) {
      int size = (int) rowInfo.byteSize();
      ByteBuffer b = bytes.duplicate();
      b.position(Math.toIntExact((long) r * size)).limit(Math.toIntExact((long) r * size + size));
      float[] out = new float[width];
      Conversions.toFloats(b.slice().order(ByteOrder.LITTLE_ENDIAN), rowInfo, out, 0);
      return out;
    }
  }

  /**
   * {@code added} new rows [added · hidden], row-major: mean of the old rows + N(0, 1e-9 · Σ) noise
   * (transformers _init_added_embeddings_weights_with_mean), with the diagonal fallback for large
   * matrices and the mean alone when Σ is not positive definite.
   */
  static float[] meanResizedRows(Rows old, int added, long seed) {
    int n = old.count;
    int d = old.width;
    double[] mean = new double[d];
    for (int r = 0; r < n; r++) {
      float[] row = old.row(r);
      for (int j = 0; j < d; j++) {
        mean[j] += row[j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    boolean full = (double) n * d * d <= FULL_COVARIANCE_LIMIT;
    // covariance = old_centered_embeddings.T @ old_centered_embeddings / old_num_tokens
    double[][] cov = full ? new double[d][d] : new double[1][d];
    for (int r = 0; r < n; r++) {
      float[] row = old.row(r);
      double[] c = new double[d];
      for (int j = 0; j < d; j++) {
        c[j] = row[j] - mean[j];
      }
      if (full) {
        for (int i = 0; i < d; i++) {
          for (int j = 0; j <= i; j++) {
            cov[i][j] += c[i] * c[j];
          }
        }
      } else {
        for (int j = 0; j < d; j++) {
          cov[0][j] += c[j] * c[j];
        }
      }
    }
    Random random = new Random(seed);
    float[] out = new float[added * d];
    double[][] factor = full ? cholesky(cov, COVARIANCE_SCALE / n) : null;
    for (int a = 0; a < added; a++) {
      double[] z = new double[d];
      for (int j = 0; j < d; j++) {
        z[j] = random.nextGaussian();
      }
      for (int i = 0; i < d; i++) {
        double noise;
        if (!full) {
          noise = Math.sqrt(COVARIANCE_SCALE * cov[0][i] / n) * z[i];
        } else if (factor == null) {
          noise = 0; // not positive definite: transformers initialises with the mean alone
        } else {
          noise = 0;
          for (int j = 0; j <= i; j++) {
            noise += factor[i][j] * z[j];
          }
        }
        out[a * d + i] = (float) (mean[i] + noise);
      }
    }
    return out;
  }

  /** The lower Cholesky factor of {@code scale · lower(cov)}, or null if it is not positive definite. */
  private static double[][] cholesky(double[][] cov, double scale) {
    int d = cov.length;
    double[][] l = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = cov[i][j] * scale;
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        if (i == j) {
          if (!(sum > 0)) {
            return null;
          }
          l[i][i] = Math.sqrt(sum);
        } else {
          l[i][j] = sum / l[j][j];
        }
      }
    }
    return l;
  }
}
