package io.liquidj.tokenizers.patchvq;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A patch VQ image tokenizer: each {@code patch × patch} square of pixels becomes the index of the nearest
 * codebook entry (squared distance over its pixels), and a code becomes its entry's pixels again. A code
 * depends on its own patch only, unlike a VQGAN's, whose convolutions, GroupNorm statistics and attention see
 * the whole picture: on the demo's 32×32 shapes that is what lets a 1M-parameter model learn shapes (README,
 * "The demo"). Plain Java, no graph; {@link PatchVq} is the same decoder as a graph function.
 */
public final class PatchVqTokenizer implements ImageTokenizer {
  /** The weight file of a patch VQ folder. */
  public static final String WEIGHTS = "model.safetensors";

  private final PatchVqConfig config;
  private final float[] codebook; // [n_embed][py][px][c]

  /** A tokenizer of {@code config} with {@code codebook} [n_embed, patch, patch, 3] in [-1, 1]. */
  public PatchVqTokenizer(PatchVqConfig config, float[] codebook) {
    if (codebook.length != config.nEmbed() * config.patchValues()) {
      throw new IllegalArgumentException("codebook has " + codebook.length + " values, expected "
          + config.nEmbed() + "*" + config.patchValues());
    }
    this.config = config;
    this.codebook = codebook.clone();
  }

  /** The tokenizer in {@code dir}: config.json and model.safetensors (tensor {@code codebook}). */
  public static PatchVqTokenizer load(Path dir) {
    PatchVqConfig config = PatchVqConfig.read(dir.resolve("config.json"));
    try (TensorReader weights = openWeights(dir)) {
      long[] expected = new PatchVq(config).codebookShape();
      if (!weights.contains(PatchVq.CODEBOOK) || !Arrays.equals(weights.info(PatchVq.CODEBOOK).shape(), expected)) {
        throw new UserError(dir.resolve(WEIGHTS) + ": expected a tensor \"" + PatchVq.CODEBOOK + "\" of shape "
            + Arrays.toString(expected) + " (config.json's n_embed, patch_size, patch_size, 3)");
      }
      return new PatchVqTokenizer(config, weights.readFloats(PatchVq.CODEBOOK));
    }
  }

  /** The weight file of the tokenizer in {@code dir}. */
  public static TensorReader openWeights(Path dir) {
    Path file = dir.resolve(WEIGHTS);
    if (!Files.isRegularFile(file)) {
      throw new UserError("no patch VQ weights in " + dir + ": expected " + WEIGHTS);
    }
    return SafetensorsFile.open(file);
  }

  /** Writes {@code dir}/config.json and {@code dir}/model.safetensors atomically (replacing a folder liquidj wrote). */
  public void save(Path dir, boolean overwrite) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter()
        .addFloats(PatchVq.CODEBOOK, DType.F32, new PatchVq(config).codebookShape(), codebook);
    String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config.toJson());
    AtomicFiles.writeDirectory(dir, overwrite, d -> {
      Files.writeString(d.resolve("config.json"), json + "\n");
      writer.write(d.resolve(WEIGHTS));
    });
  }

  public PatchVqConfig config() {
    return config;
  }

  @Override
  public int codebookSize() {
    return config.nEmbed();
  }

  @Override
  public int downsampleFactor() {
    return config.patchSize();
  }

  @Override
  public int[][] encode(ImageBatch images) {
    int p = config.patchSize();
    if (images.height() % p != 0 || images.width() % p != 0) {
      throw new UserError("patch VQ: image sides must be multiples of " + p + ", got " + images.width() + "x"
          + images.height());
    }
    int gh = images.height() / p;
    int gw = images.width() / p;
    int[][] codes = new int[images.batch()][gh * gw];
    IntStream.range(0, images.batch()).parallel().forEach(b -> { // images on every core
      float[] patch = new float[config.patchValues()];
      for (int gy = 0; gy < gh; gy++) {
        for (int gx = 0; gx < gw; gx++) {
          patch(images, b, gy, gx, p, patch);
          codes[b][gy * gw + gx] = nearest(patch);
        }
      }
    });
    return codes;
  }

  @Override
  public ImageBatch decode(int[][] codes, int h, int w) {
    int p = config.patchSize();
    int height = h * p;
    int width = w * p;
    float[] pixels = new float[codes.length * 3 * height * width];
    for (int b = 0; b < codes.length; b++) {
      if (codes[b].length != h * w) {
        throw new IllegalArgumentException("image " + b + " has " + codes[b].length + " codes, expected " + h + "*" + w);
      }
      for (int cell = 0; cell < h * w; cell++) {
        int code = codes[b][cell];
        if (code < 0 || code >= config.nEmbed()) {
          throw new IllegalArgumentException("code " + code + " outside [0, " + config.nEmbed() + ")");
        }
        int y0 = cell / w * p;
        int x0 = cell % w * p;
        int base = code * config.patchValues();
        for (int py = 0; py < p; py++) {
          for (int px = 0; px < p; px++) {
            for (int c = 0; c < 3; c++) {
              pixels[((b * 3 + c) * height + y0 + py) * width + x0 + px] = codebook[base + (py * p + px) * 3 + c];
            }
          }
        }
      }
    }
    return new ImageBatch(pixels, codes.length, height, width);
  }

  /** The pixels of the {@code p}×{@code p} cell (gy, gx) of image b, [py][px][c], into {@code out}. */
  static void patch(ImageBatch images, int b, int gy, int gx, int p, float[] out) {
    int height = images.height();
    int width = images.width();
    float[] pixels = images.pixels();
    for (int py = 0; py < p; py++) {
      for (int px = 0; px < p; px++) {
        for (int c = 0; c < 3; c++) {
          out[(py * p + px) * 3 + c] = pixels[((b * 3 + c) * height + gy * p + py) * width + gx * p + px];
        }
      }
    }
  }

  /** The index of the codebook entry nearest {@code patch} (the lowest index on a tie). */
  int nearest(float[] patch) {
    int best = 0;
    double bestDistance = Double.MAX_VALUE;
    int n = patch.length;
    for (int k = 0; k < config.nEmbed(); k++) {
      double d = 0;
      int base = k * n;
      for (int i = 0; i < n; i++) {
        double diff = patch[i] - codebook[base + i];
        d += diff * diff;
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return best;
  }

  @Override
  public void close() {}
}
