package io.liquidj.framework.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import io.liquidj.framework.UserError;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves a run's backbone: the architecture ({@code checkpoint}'s config.json when set, else the
 * named shape {@code backbone}) and the family registered for its {@code model_type}.
 */
public final class Backbones {
  /** Where named shapes live on the classpath (the recipes jar packs {@code conf/backbones/}). */
  public static final String SHAPES = "conf/backbones/";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, BackboneFactory> factories;

  @Inject
  public Backbones(Map<String, BackboneFactory> factories) {
    this.factories = Map.copyOf(factories);
  }

  /** The registered families (Hugging Face model_types), sorted. */
  public Set<String> families() {
    return new TreeSet<>(factories.keySet());
  }

  /**
   * The architecture of a run: the checkpoint's config.json when set, else the named shape, completed
   * by its family ({@link #complete}).
   */
  public ModelConfig config(BackboneSettings settings) {
    return complete(settings.checkpoint().map(ModelConfig::read).orElseGet(() -> shape(settings.backbone())));
  }

  /**
   * {@code config} with what its family's transformers config derives filled in
   * ({@link BackboneFactory#configDefaults}): layer types, tied embeddings, a recognised Liquid extension.
   */
  public ModelConfig complete(ModelConfig config) {
    return config.withDefaults(family(config)::configDefaults);
  }

  /** The backbone of a run. */
  public Backbone create(BackboneSettings settings, Precision precision) {
    return create(config(settings), precision);
  }

  /** The backbone for {@code config}, by its model_type, on the config {@linkplain #complete completed}. */
  public Backbone create(ModelConfig config, Precision precision) {
    return family(config).create(complete(config), precision);
  }

  private BackboneFactory family(ModelConfig config) {
    BackboneFactory factory = factories.get(config.modelType());
    if (factory == null) {
      throw new UserError(config.source() + ": model_type \"" + config.modelType()
          + "\" is not supported; supported: " + String.join(", ", families()));
    }
    return factory;
  }

  /**
   * A named shape ({@code conf/backbones/<name>.conf} on the classpath) or a shape file path (.conf
   * in HOCON or .json), with the Hugging Face config.json field names.
   */
  public static ModelConfig shape(String nameOrPath) {
    URL resource = Backbones.class.getClassLoader().getResource(SHAPES + nameOrPath + ".conf");
    if (resource != null) {
      try (Reader reader = new InputStreamReader(resource.openStream(), StandardCharsets.UTF_8)) {
        return fromHocon(ConfigFactory.parseReader(reader, ConfigParseOptions.defaults()
            .setOriginDescription(SHAPES + nameOrPath + ".conf")), SHAPES + nameOrPath + ".conf");
      } catch (IOException e) {
        throw new UserError("cannot read " + resource + ": " + e.getMessage(), e);
      }
    }
    Path file = Path.of(nameOrPath);
    if (Files.isRegularFile(file)) {
      if (file.toString().endsWith(".json")) {
        return ModelConfig.read(file);
      }
      try {
        return fromHocon(ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)),
            file.toString());
      } catch (ConfigException e) {
        throw new UserError("cannot read backbone shape " + file + ": " + e.getMessage(), e);
      }
    }
    throw new UserError("backbone = \"" + nameOrPath + "\": no named shape " + SHAPES + nameOrPath
        + ".conf on the classpath and no such file (expected a name such as llama3.2-1b, qwen2.5-0.5b, "
        + "gemma2-2b, gemma-7b, tiny-llama, or a path to a .conf/.json shape file)");
  }

  private static ModelConfig fromHocon(com.typesafe.config.Config shape, String source) {
    try {
      JsonNode json = JSON.readTree(shape.root().render(ConfigRenderOptions.concise()));
      return ModelConfig.fromJson((ObjectNode) json, source);
    } catch (IOException e) {
      throw new UserError(source + ": cannot convert to config.json fields: " + e.getMessage(), e);
    }
  }
}
