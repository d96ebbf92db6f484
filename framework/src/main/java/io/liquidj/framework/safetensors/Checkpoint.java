package io.liquidj.framework.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a Hugging Face checkpoint folder: {@code model.safetensors}, or the shards listed
 * in {@code model.safetensors.index.json} ({@code weight_map: name -> shard file}).
 */
public final class Checkpoint implements TensorReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The suffix of transformers' rotary frequency buffers, saved by some older checkpoints. */
  private static final String ROTARY_CACHE = "rotary_emb.inv_freq";
  private static final String LM_HEAD = "lm_head.weight";
  private static final String EMBEDDING = "model.embed_tokens.weight";

  private final Path dir;
  private final Map<String, SafetensorsFile> byTensor;
  private final List<SafetensorsFile> files;

  private Checkpoint(Path dir, Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> files) {
    this.dir = dir;
    this.byTensor = byTensor;
    this.files = files;
  }

  /** Opens the checkpoint in {@code dir}. */
  public static Checkpoint open(Path dir) {
    Path index = dir.resolve("model.safetensors.index.json");
    Path single = dir.resolve("model.safetensors");
    List<SafetensorsFile> files = new ArrayList<>();
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    try {
      if (Files.isRegularFile(index)) {
        JsonNode map = readIndex(index).get("weight_map");
        if (map == null || !map.isObject()) {
          throw new UserError(index + ": missing \"weight_map\" object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String shard = e.getValue().asText();
          SafetensorsFile file = shards.get(shard);
          if (file == null) {
            Path shardPath = dir.resolve(shard);
            if (!Files.isRegularFile(shardPath)) {
              throw new UserError(index + " lists shard " + shard + " which does not exist in " + dir);
            }
            file = SafetensorsFile.open(shardPath);
            shards.put(shard, file);
            files.add(file);
          }
          if (!file.contains(e.getKey())) {
            throw new UserError(index + " maps \"" + e.getKey() + "\" to " + shard + ", which has no such tensor");
          }
          byTensor.put(e.getKey(), file);
        }
      } else if (Files.isRegularFile(single)) {
        SafetensorsFile file = SafetensorsFile.open(single);
        files.add(file);
        file.names().forEach(n -> byTensor.put(n, file));
      } else {
        throw new UserError("no model.safetensors or model.safetensors.index.json in " + dir
            + (Files.isDirectory(dir) ? " (found: " + listing(dir) + ")" : " (no such folder)"));
      }
    } catch (RuntimeException e) {
      files.forEach(SafetensorsFile::close);
      throw e;
    }
    return new Checkpoint(dir, byTensor, files);
  }

  private static JsonNode readIndex(Path index) {
    try {
      return JSON.readTree(index.toFile());
    } catch (IOException e) {
      throw new UserError("cannot parse " + index + ": " + e.getMessage(), e);
    }
  }

  private static String listing(Path dir) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      return "unreadable";
    }
    return names.isEmpty() ? "nothing" : String.join(", ", names.stream().sorted().limit(20).toList());
  }

  /**
   * Checks that the model reads every tensor of this checkpoint: tensors it would ignore mean that
   * config.json does not describe the weights (a second layer beside {@code num_hidden_layers = 1}),
   * so they are an error naming them. Two kinds are only listed in a warning on {@code warnings}, as
   * transformers ignores them too: rotary caches ({@code *.rotary_emb.inv_freq}, recomputed from
   * config.json) and an {@code lm_head.weight} beside tied embeddings (the model reads the embedding).
   */
  public void requireAllUsed(Collection<String> used, PrintStream warnings) {
    Set<String> usedNames = Set.copyOf(used);
    java.util.function.Predicate<String> harmlessName = n -> n.endsWith(ROTARY_CACHE)
        || (n.equals(LM_HEAD) && usedNames.contains(EMBEDDING));
    List<String> unused = names().stream().filter(n -> !usedNames.contains(n)).toList();
    List<String> harmless = unused.stream().filter(harmlessName).toList();
    List<String> unexpected = unused.stream().filter(harmlessName.negate()).toList();
    if (!unexpected.isEmpty()) {
      throw new UserError("checkpoint " + dir + " holds " + unexpected.size() + " tensor(s) the model built from "
          + "config.json does not use: " + sample(unexpected) + " (does config.json match the weights?)");
    }
    if (!harmless.isEmpty()) {
      warnings.println("warning: checkpoint " + dir + ": ignoring " + harmless.size()
          + " tensor(s) the model recomputes or ties (rotary caches, an LM head tied to the embedding): "
          + sample(harmless));
    }
  }

  private static String sample(List<String> names) {
    int shown = Math.min(names.size(), 5);
    return String.join(", ", names.subList(0, shown)) + (names.size() > shown ? ", …" : "");
  }

  /** The folder. */
  public Path dir() {
    return dir;
  }

  @Override
  public List<String> names() {
    return List.copyOf(byTensor.keySet());
  }

  @Override
  public boolean contains(String name) {
    return byTensor.containsKey(name);
  }

  @Override
  public TensorInfo info(String name) {
    return file(name).info(name);
  }

  @Override
  public ByteBuffer bytes(String name) {
    return file(name).bytes(name);
  }

  private SafetensorsFile file(String name) {
    SafetensorsFile f = byTensor.get(name);
    if (f == null) {
      throw new UserError("checkpoint " + dir + " has no tensor \"" + name + "\"");
    }
    return f;
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
