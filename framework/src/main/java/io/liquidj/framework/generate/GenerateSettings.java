package io.liquidj.framework.generate;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.train.GpuProbe;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code generate} section and the short top-level keys of {@code ./liquid generate}.
 *
 * @param mode image, caption or text
 * @param prompt the prompt or question
 * @param samples images per prompt
 * @param out output folder
 * @param image the image to caption, if any
 * @param shapes the code grid and answer length ({@code generate.grid-height} × {@code grid-width} until
 *     {@link #withDownsampleFactor} turns {@code width} × {@code height} into the grid)
 * @param width pixels across of a generated image when given ({@code width=}); 0: the square default, no size text
 * @param height pixels down of a generated image when given ({@code height=}); 0 with width 0
 * @param tokenizer the text tokenizer's folder, if not the checkpoint's own (a trainer's export has none)
 * @param imageTokenizer the VQGAN folder, if any
 * @param precision {@code generate.precision} resolved: with {@link Precision#BF16} the weights are held (and
 *     exported) in bf16, the matmuls and the KV cache are bf16, and the sampling arithmetic stays f32
 */
public record GenerateSettings(
    String mode,
    String prompt,
    int samples,
    Path out,
    Optional<Path> image,
    GenerationGraph.Shapes shapes,
    int width,
    int height,
    Optional<Path> tokenizer,
    Optional<Path> imageTokenizer,
    String imagePromptTemplate,
    String captionPromptTemplate,
    String textPromptTemplate,
    SamplingSettings sampling,
    SamplingSettings textSampling,
    int benchRuns,
    Precision precision) {

  /** Reads the run's root configuration. */
  public static GenerateSettings from(Config root) {
    Config g = root.getConfig("generate");
    String imageTemplate = template(g, "image-prompt-template", "{prompt}");
    String captionTemplate = template(g, "caption-prompt-template", "{image}");
    template(g, "caption-prompt-template", "{prompt}");
    int width = ConfigReads.nonNegativeInt(root, "width");
    int height = ConfigReads.nonNegativeInt(root, "height");
    if ((width == 0) != (height == 0)) {
      throw ConfigReads.bad(root, width == 0 ? "width" : "height", "width and height go together (pixels, multiples of "
          + "the VQGAN's downsample factor), got width=" + width + " height=" + height);
    }
    return new GenerateSettings(
        ConfigReads.oneOf(root, "mode", "image", "caption", "text"),
        root.getString("prompt"),
        ConfigReads.positiveInt(root, "samples"),
        Path.of(root.getString("output-dir")),
        ConfigReads.optionalPath(root, "image"),
        new GenerationGraph.Shapes(
            ConfigReads.positiveInt(g, "grid-height"),
            ConfigReads.positiveInt(g, "grid-width"),
            ConfigReads.positiveInt(g, "max-new-tokens")),
        width,
        height,
        ConfigReads.optionalPath(g, "tokenizer"),
        ConfigReads.optionalPath(g, "image-tokenizer"),
        imageTemplate,
        captionTemplate,
        template(g, "text-prompt-template", "{prompt}"),
        SamplingSettings.from(g.getConfig("sampling")),
        SamplingSettings.from(g.getConfig("text-sampling")),
        ConfigReads.positiveInt(g, "bench-runs"),
        precision(g));
  }

  /** {@code auto}: bf16 when TensorFlow sees a GPU, else f32 (bf16 is much slower on AVX2 CPUs). */
  private static Precision precision(Config g) {
    String value = ConfigReads.oneOf(g, "precision", "auto", "f32", "bf16");
    if (value.equals("auto")) {
      return GpuProbe.gpuVisible() ? Precision.BF16 : Precision.F32;
    }
    return Precision.parse("generate.precision", value);
  }

  /** Whether {@code width} and {@code height} were given: the grid follows them and image prompts say the size. */
  public boolean hasImageSize() {
    return width > 0;
  }

  /**
   * These settings with the code grid of {@code width} × {@code height} at the VQGAN's downsample
   * {@code factor} (height/factor rows, width/factor columns); unchanged without an image size.
   */
  public GenerateSettings withDownsampleFactor(int factor) {
    if (!hasImageSize()) {
      return this;
    }
    if (width % factor != 0 || height % factor != 0) {
      throw new UserError("width=" + width + " height=" + height + ": both must be multiples of the VQGAN's downsample "
          + "factor " + factor + " (generate.image-tokenizer), e.g. width=" + Math.max(factor, width / factor * factor)
          + " height=" + Math.max(factor, height / factor * factor));
    }
    return new GenerateSettings(mode, prompt, samples, out, image,
        new GenerationGraph.Shapes(height / factor, width / factor, shapes.maxNewTokens()), width, height, tokenizer,
        imageTokenizer, imagePromptTemplate, captionPromptTemplate, textPromptTemplate, sampling, textSampling,
        benchRuns, precision);
  }

  private static String template(Config c, String key, String placeholder) {
    String t = c.getString(key);
    if (!t.contains(placeholder)) {
      throw ConfigReads.bad(c, key, "must contain " + placeholder + ", got \"" + t + "\"");
    }
    return t;
  }
}
