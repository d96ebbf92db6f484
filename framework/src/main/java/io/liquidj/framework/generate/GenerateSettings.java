package io.liquidj.framework.generate;

import com.typesafe.config.Config;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.config.Settings;
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
    return new GenerateSettings(
        Settings.oneOf(root, "mode", "image", "caption", "text"),
        root.getString("prompt"),
        Settings.positiveInt(root, "samples"),
        Path.of(root.getString("out")),
        Settings.optionalPath(root, "image"),
        new GenerationGraph.Shapes(
            Settings.positiveInt(g, "grid-height"),
            Settings.positiveInt(g, "grid-width"),
            Settings.positiveInt(g, "max-new-tokens")),
        Settings.optionalPath(g, "tokenizer"),
        Settings.optionalPath(g, "image-tokenizer"),
        imageTemplate,
        captionTemplate,
        template(g, "text-prompt-template", "{prompt}"),
        SamplingSettings.from(g.getConfig("sampling")),
        SamplingSettings.from(g.getConfig("text-sampling")),
        Settings.positiveInt(g, "bench-runs"),
        precision(g));
  }

  /** {@code auto}: bf16 when TensorFlow sees a GPU, else f32 (bf16 is much slower on AVX2 CPUs). */
  private static Precision precision(Config g) {
    String value = Settings.oneOf(g, "precision", "auto", "f32", "bf16");
    if (value.equals("auto")) {
      return GpuProbe.gpuVisible() ? Precision.BF16 : Precision.F32;
    }
    return Precision.parse("generate.precision", value);
  }

  private static String template(Config c, String key, String placeholder) {
    String t = c.getString(key);
    if (!t.contains(placeholder)) {
      throw Settings.bad(c, key, "must contain " + placeholder + ", got \"" + t + "\"");
    }
    return t;
  }
}
