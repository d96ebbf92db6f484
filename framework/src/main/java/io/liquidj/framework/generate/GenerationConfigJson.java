package io.liquidj.framework.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.backbone.ModelConfig;

/**
 * The {@code generation_config.json} of a saved model, as transformers' {@code GenerationConfig} reads it:
 * the model's BOS / EOS / pad ids and a sampling setup. Its {@code guidance_scale} is the same
 * classifier-free guidance as liquidj's (given {@code <unconditional>} as the negative prompt).
 */
public final class GenerationConfigJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GenerationConfigJson() {}

  /** The file's text for {@code config}, sampling as {@code sampling} (seed aside: transformers has none here). */
  public static String of(ModelConfig config, SamplingSettings sampling) {
    ObjectNode json = JSON.createObjectNode();
    if (config.bosTokenId() >= 0) {
      json.put("bos_token_id", config.bosTokenId());
    }
    if (config.eosTokenIds().size() == 1) {
      json.put("eos_token_id", config.eosTokenIds().get(0));
    } else if (!config.eosTokenIds().isEmpty()) {
      config.eosTokenIds().forEach(json.putArray("eos_token_id")::add);
    }
    if (config.padTokenId() >= 0) {
      json.put("pad_token_id", config.padTokenId());
    }
    json.put("do_sample", sampling.temperature() > 0);
    json.put("temperature", sampling.temperature());
    json.put("top_k", sampling.topK());
    json.put("top_p", sampling.topP());
    json.put("guidance_scale", sampling.guidanceScale());
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
