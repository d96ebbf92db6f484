package io.liquidj.framework.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.data.ImageSizePrompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Signature;

/**
 * How a client talks to an exported model, written beside it as {@code assets.extra/liquid-serving.json}
 * (TensorFlow Serving ignores {@code assets.extra/}; it travels with the version folder). It holds the
 * signature names with their inputs and outputs, how prompt ids are built (the user's text only, tokenized
 * without special tokens: no {@code <bos>}, the graph adds the template; rows left-padded with a mask), the
 * special ids, the code grid and how a request asks another one, the sampling defaults and the tokenizer files
 * written beside it.
 *
 * <p>The grid is an input of {@code generate_image} but the size the prompt says is text, so it is the client's:
 * for a grid other than the default the prompt's ids end with {@link ImageSizePrompt#text} tokenized on its own
 * (W = grid_width·f, H = grid_height·f pixels), where Liquid's train.py puts it for {@code multi} data, between the
 * caption and the instruction that the graph's template adds. The guidance stream stays the template's {@code
 * <unconditional>} without the size ({@code ./liquid generate width=} says the size there too).
 *
 * @param json the contract as read back
 */
public record ServingContract(JsonNode json) {
  /** The folder inside a SavedModel version folder that TensorFlow Serving leaves alone. */
  public static final String ASSETS_EXTRA = "assets.extra";
  /** The contract's file name inside {@link #ASSETS_EXTRA}. */
  public static final String FILE = "liquid-serving.json";
  /** The id written into padding positions (their mask is 0, so any id would do). */
  public static final int PAD_ID = 0;

  /**
   * The contract of a model exported with {@code signatures} and {@code settings}; {@code vocabulary} null for a
   * text-only model; {@code downsampleFactor}: pixels per code side of the VQGAN in the export, 0 without one;
   * {@code tokenizerFiles}: the names written into {@link #ASSETS_EXTRA}.
   */
  public static String write(List<Signature> signatures, ModelConfig config, MultimodalVocabulary vocabulary,
      GenerateSettings settings, int downsampleFactor, List<String> tokenizerFiles) {
    GenerationGraph.Shapes shapes = settings.shapes();
    SamplingSettings defaults = settings.sampling();
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("format", "liquidj-serving/1");
    ObjectNode sigs = root.putObject("signatures");
    for (Signature s : signatures) {
      ObjectNode one = sigs.putObject(s.key());
      s.inputNames().stream().sorted().forEach(one.putArray("inputs")::add);
      s.outputNames().stream().sorted().forEach(one.putArray("outputs")::add);
    }
    ObjectNode prompt = root.putObject("prompt");
    prompt.put("ids", "the user's text only, tokenized without special tokens (no <bos>): the graph adds the "
        + "template around it");
    prompt.put("add_special_tokens", false);
    prompt.put("padding", "left");
    prompt.put("pad_id", PAD_ID);
    prompt.put("mask", "1 = real token, 0 = padding; left out: every token real");
    tokenizerFiles.forEach(prompt.putArray("tokenizer_files")::add);
    ObjectNode ids = root.putObject("special_ids");
    ids.put("bos", config.bosTokenId());
    config.eosTokenIds().forEach(ids.putArray("eos")::add);
    if (vocabulary != null) {
      ids.put("image_code_offset", vocabulary.imageCodeOffset());
      ids.put("num_image_codes", vocabulary.numImageCodes());
      ids.put("boi", vocabulary.boiTokenId());
      ids.put("eoi", vocabulary.eoiTokenId());
      ids.put("unconditional", vocabulary.unconditionalTokenId());
      ObjectNode image = root.putObject("image");
      image.put("grid_height", shapes.gridHeight());
      image.put("grid_width", shapes.gridWidth());
      image.put("codes", "VQGAN code indices 0.." + (vocabulary.numImageCodes() - 1) + " in raster order, "
          + "grid_height x grid_width");
      image.put("grid_inputs", GenerationGraph.GENERATE_IMAGE + " takes grid_height and grid_width (int32, a scalar "
          + "or one per row, all equal; left out: the grid above); " + Signature.DEFAULT_KEY + " always uses the grid "
          + "above");
      if (downsampleFactor > 0) {
        image.put("downsample_factor", downsampleFactor);
      }
      image.put("size_text", ImageSizePrompt.TEMPLATE);
      if (settings.hasImageSize()) {
        ObjectNode size = image.putObject("template_size");
        size.put("width", settings.width());
        size.put("height", settings.height());
        image.put("size_text_rule", "the template already says " + ImageSizePrompt.text(settings.width(),
            settings.height()) + ": ask this export for its own grid only (export without width/height to ask any)");
      } else {
        image.put("size_text_rule", "for a grid other than the one above, the prompt ids end with size_text tokenized "
            + "on its own without special tokens, after the user's text (Liquid's caption + size + instruction): W = "
            + "grid_width x downsample_factor, H = grid_height x downsample_factor pixels; the guidance stream does not "
            + "say the size");
      }
    }
    ObjectNode sampling = root.putObject("sampling_defaults");
    sampling.put("guidance_scale", defaults.guidanceScale());
    sampling.put("temperature", defaults.temperature());
    sampling.put("top_k", defaults.topK());
    sampling.put("top_p", defaults.topP());
    sampling.put("seed", defaults.seed());
    return root.toPrettyString() + "\n";
  }

  /** Reads {@code <export>/assets.extra/liquid-serving.json}, or a user error naming what is missing. */
  public static ServingContract read(Path export) {
    Path file = export.resolve(ASSETS_EXTRA).resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new UserError(export + " has no " + ASSETS_EXTRA + "/" + FILE + ": expected a SavedModel version folder "
          + "written by ./liquid export (e.g. export/1)");
    }
    try {
      return new ServingContract(new ObjectMapper().readTree(file.toFile()));
    } catch (IOException e) {
      throw new UserError(file + ": expected JSON, " + e.getMessage());
    }
  }

  /** The input names of signature {@code key}, or a user error naming the signatures there are. */
  public List<String> inputs(String key) {
    JsonNode sig = json.path("signatures").path(key);
    if (sig.isMissingNode()) {
      throw new UserError("the export has no signature " + key + " (it has "
          + String.join(", ", (Iterable<String>) json.path("signatures")::fieldNames) + ")");
    }
    List<String> names = new java.util.ArrayList<>();
    ((ArrayNode) sig.path("inputs")).forEach(n -> names.add(n.asText()));
    return names;
  }
}
