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
 * ({@link TrainerState}) and {@code config.conf} (the resolved configuration), written atomically as a
 * directory by task 0; then every task's {@code rank-T.json} (its data position) and, with ZeRO-1, every
 * replica's {@code replica-R.safetensors} (its shard of the moments); last {@code manifest.json}, written by
 * task 0 once every task wrote its files. A checkpoint without manifest is incomplete (a task died while
 * writing) and ignored by {@link #latest}. The newest {@code keepLast} complete ones are kept.
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

  /** The file written last, by task 0, that makes a checkpoint complete. */
  public static final String MANIFEST = "manifest.json";

  /**
   * What wrote a complete checkpoint: a resume needs as many processes (each continues its own data position)
   * and, with ZeRO-1 shards, as many replicas.
   *
   * @param shardedReplicas replicas with a {@code replica-R.safetensors} file, 0 without ZeRO-1
   */
  public record Manifest(int step, int processes, int shardedReplicas, String shard) {
    /** What the replicas' files hold shards of (checkpoints before distributed.shard = parameters: by count). */
    public String shardOrNone() {
      return shard != null ? shard : shardedReplicas > 0 ? "optimizer" : "none";
    }
  }

  /** A rank's own part of a checkpoint. */
  private record RankState(String dataPosition) {}

  /** The folder of step {@code step}'s checkpoint. */
  public Path directoryOf(int step) {
    return dir.resolve(String.format("step-%08d", step));
  }

  /**
   * Task 0's part, written first: the step folder with the weights, the unsharded optimizer state, the counters
   * and the configuration (replacing an incomplete folder of the same step).
   *
   * @param model the stores saved in model.safetensors
   * @param optimizer the store saved in optimizer.safetensors ({@code skip}ped names left out)
   */
  public Path saveShared(Session session, List<VariableStore> model, VariableStore optimizer, Predicate<String> skip,
      TrainerState state, String config) throws IOException {
    Path target = directoryOf(state.step());
    // A step folder in the checkpoints folder is this trainer's by its name, marked or not (earlier versions).
    AtomicFiles.writeDirectory(target, /* overwrite= */ true, tmp -> {
      writeStores(session, tmp.resolve("model.safetensors"), model, n -> false);
      writeStores(session, tmp.resolve("optimizer.safetensors"), List.of(optimizer), skip);
      Files.writeString(tmp.resolve("state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
      Files.writeString(tmp.resolve("config.conf"), config);
    });
    return target;
  }

  /** Task {@code rank}'s part of {@code checkpoint} (after task 0's): its data position. */
  public static void saveRank(Path checkpoint, int rank, String dataPosition) throws IOException {
    AtomicFiles.writeString(checkpoint.resolve("rank-" + rank + ".json"),
        JSON.writeValueAsString(new RankState(dataPosition)));
  }

  /** Replica {@code replica}'s own state (its shards): the {@code saved} variables of {@code stores}. */
  public void saveReplicaShard(Session session, Path checkpoint, int replica, List<VariableStore> stores,
      Predicate<String> saved) throws IOException {
    writeStores(session, checkpoint.resolve("replica-" + replica + ".safetensors"), stores, saved.negate());
  }

  /** Writes the manifest (every task wrote its files) and deletes the complete checkpoints beyond keep-last. */
  public void complete(Path checkpoint, Manifest manifest) throws IOException {
    AtomicFiles.writeString(checkpoint.resolve(MANIFEST), JSON.writeValueAsString(manifest));
    List<Path> complete = list().stream().filter(CheckpointManager::isComplete).toList();
    if (complete.size() > keepLast) {
      Path oldestKept = complete.get(complete.size() - keepLast);
      for (Path p : list()) {
        if (p.compareTo(oldestKept) < 0) {
          AtomicFiles.deleteTree(p);
        }
      }
    }
  }

  private static boolean isComplete(Path checkpoint) {
    return Files.isRegularFile(checkpoint.resolve(MANIFEST));
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

  /** The newest complete checkpoint (one with a manifest), if any. */
  public Optional<Path> latest() throws IOException {
    List<Path> complete = list().stream().filter(CheckpointManager::isComplete).toList();
    return complete.isEmpty() ? Optional.empty() : Optional.of(complete.get(complete.size() - 1));
  }

  /** The manifest of a complete checkpoint. */
  public static Manifest manifest(Path checkpoint) {
    return read(checkpoint, MANIFEST, Manifest.class);
  }

  /** Task {@code rank}'s data position in {@code checkpoint}. */
  public static String dataPosition(Path checkpoint, int rank) {
    return read(checkpoint, "rank-" + rank + ".json", RankState.class).dataPosition();
  }

  /** Loads replica {@code replica}'s own file into the {@code saved} variables of {@code stores}. */
  public static void loadReplicaShard(Path checkpoint, int replica, Session session, List<VariableStore> stores,
      Predicate<String> saved) {
    Path file = checkpoint.resolve("replica-" + replica + ".safetensors");
    if (!Files.isRegularFile(file)) {
      throw new UserError("checkpoint " + checkpoint + " has no " + file.getFileName() + " (replica " + replica
          + "'s shards)");
    }
    try (SafetensorsFile shard = SafetensorsFile.open(file)) {
      for (VariableStore store : stores) {
        store.load(session, shard, n -> saved.test(n) ? n : null);
      }
    }
  }

  /**
   * Loads whole parameters into {@code store} from a checkpoint whose {@code replicas} replica files hold their
   * shards ({@code distributed.shard = parameters}: replica r holds elements [r·s, (r+1)·s) of each flattened
   * parameter, s = ⌈size/N⌉, zero-padded at the end).
   */
  public static void loadWholeFromShards(Path checkpoint, int replicas, Session session, VariableStore store) {
    List<SafetensorsFile> files = new ArrayList<>();
    try {
      for (int r = 0; r < replicas; r++) {
        Path file = checkpoint.resolve("replica-" + r + ".safetensors");
        if (!Files.isRegularFile(file)) {
          throw new UserError("checkpoint " + checkpoint + " has no " + file.getFileName() + " (replica " + r
              + "'s shards of the weights)");
        }
        files.add(SafetensorsFile.open(file));
      }
      for (var spec : store.specs()) {
        float[] whole = new float[Math.toIntExact(spec.size())];
        int filled = 0;
        for (SafetensorsFile file : files) {
          if (!file.contains(spec.name())) {
            throw new UserError("checkpoint " + checkpoint + ": a replica file has no shard of " + spec.name());
          }
          java.nio.FloatBuffer shard = file.bytes(spec.name()).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
          int take = Math.min(shard.remaining(), whole.length - filled);
          shard.get(whole, filled, take);
          filled += take;
        }
        store.assign(session, spec.name(), whole);
      }
    } finally {
      files.forEach(SafetensorsFile::close);
    }
  }

  private static <T> T read(Path checkpoint, String name, Class<T> type) {
    try {
      return JSON.readValue(checkpoint.resolve(name).toFile(), type);
    } catch (IOException e) {
      throw new UserError("cannot read checkpoint " + checkpoint.resolve(name) + ": " + e.getMessage(), e);
    }
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
