package io.liquidj.framework.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tf.VariableStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.Session;

/**
 * Training checkpoints under {@code <dir>/step-NNNNNNNN/}: {@code model.safetensors} (backbone
 * parameters and LoRA adapters, f32), {@code optimizer.safetensors} (Adam moments), {@code state.json}
 * ({@link TrainerState}) and {@code config.conf} (the resolved configuration). Each is written
 * atomically as a whole directory; the newest {@code keepLast} are kept.
 */
public final class CheckpointManager {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("step-(\\d{8})");

  private final Path dir;
  private final int keepLast;
  private final Map<VariableStore, VariableStore.GraphWeights> reads = new LinkedHashMap<>();

  public CheckpointManager(Path dir, int keepLast) {
    this.dir = dir;
    this.keepLast = keepLast;
  }

  /**
   * Writes the checkpoint of {@code state.step()} and deletes the older ones beyond keep-last.
   *
   * @param model the stores saved in model.safetensors
   * @param optimizer the store saved in optimizer.safetensors ({@code skip}ped names left out)
   */
  public Path save(Session session, List<VariableStore> model, VariableStore optimizer, Predicate<String> skip,
      TrainerState state, String config) throws IOException {
    Path target = dir.resolve(String.format("step-%08d", state.step()));
    // A step folder in the checkpoints folder is this trainer's by its name, marked or not (earlier versions).
    AtomicFiles.writeDirectory(target, /* overwrite= */ true, tmp -> {
      writeStores(session, tmp.resolve("model.safetensors"), model, n -> false);
      writeStores(session, tmp.resolve("optimizer.safetensors"), List.of(optimizer), skip);
      Files.writeString(tmp.resolve("state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
      Files.writeString(tmp.resolve("config.conf"), config);
    });
    List<Path> all = list();
    for (int i = 0; i < all.size() - keepLast; i++) {
      AtomicFiles.deleteTree(all.get(i));
    }
    return target;
  }

  private void writeStores(Session session, Path file, List<VariableStore> stores, Predicate<String> skip)
      throws IOException {
    // One variable store's reads per file; the reads are created once and reused by every save.
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, VariableStore.GraphWeights> owner = new LinkedHashMap<>();
    for (VariableStore store : stores) {
      VariableStore.GraphWeights r = reads.computeIfAbsent(store, VariableStore::weights);
      for (var spec : store.specs()) {
        if (!skip.test(spec.name())) {
          shapes.put(spec.name(), spec.shape());
          owner.put(spec.name(), r);
        }
      }
    }
    VariableFiles.write(file, session, name -> owner.get(name).get(name), shapes, DType.F32, Map.of());
  }

  /** The checkpoint directories, oldest first. */
  public List<Path> list() throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (var entries = Files.list(dir)) {
      entries.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
          .sorted()
          .forEach(out::add);
    }
    return out;
  }

  /** The newest checkpoint, if any. */
  public Optional<Path> latest() throws IOException {
    List<Path> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * Loads checkpoint {@code checkpoint} into the stores (every variable must be in it, except the
   * optimizer's {@code skip}ped ones, which keep their initial values) and returns its state.
   */
  public static TrainerState load(Path checkpoint, Session session, List<VariableStore> model,
      VariableStore optimizer, Predicate<String> skip) {
    try (SafetensorsFile weights = SafetensorsFile.open(checkpoint.resolve("model.safetensors"));
        SafetensorsFile moments = SafetensorsFile.open(checkpoint.resolve("optimizer.safetensors"))) {
      for (VariableStore store : model) {
        store.load(session, weights, n -> n);
      }
      optimizer.load(session, moments, n -> skip.test(n) ? null : n);
      return JSON.readValue(checkpoint.resolve("state.json").toFile(), TrainerState.class);
    } catch (IOException e) {
      throw new UserError("cannot read checkpoint " + checkpoint + ": " + e.getMessage(), e);
    }
  }

  /** The step number of a checkpoint directory. */
  public static int stepOf(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(checkpoint + " is not a checkpoint directory");
    }
    return Integer.parseInt(m.group(1));
  }
}
