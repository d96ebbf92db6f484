package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.backbones.gemma.GemmaBackbone;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture in other storage formats and precisions loads and runs. */
class CheckpointFormatsTest {
  private static final Path LLAMA = Fixtures.fixture("hf/llama3");

  private static float[] expectedLogits(Path fixture) {
    try (SafetensorsFile io = SafetensorsFile.open(fixture.resolve("io.safetensors"))) {
      return io.readFloats("logits");
    }
  }

  private static int[][] ids(Path fixture) {
    try (SafetensorsFile io = SafetensorsFile.open(fixture.resolve("io.safetensors"))) {
      return BackboneContract.rows(io.readInts("input_ids"), (int) io.info("input_ids").shape()[1]);
    }
  }

  private static float maxAbs(float[] v) {
    float m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  /** Copies the fixture with every weight converted to {@code dtype}, in {@code shards} files. */
  private static Path copy(Path fixture, Path dir, DType dtype, int shards) throws Exception {
    Files.createDirectories(dir);
    ObjectNode config = (ObjectNode) new ObjectMapper().readTree(fixture.resolve("config.json").toFile());
    config.put("dtype", dtype == DType.BF16 ? "bfloat16" : dtype == DType.F16 ? "float16" : "float32");
    Files.writeString(dir.resolve("config.json"), config.toString());
    try (Checkpoint source = Checkpoint.open(fixture)) {
      List<String> names = source.names();
      if (shards == 1) {
        SafetensorsWriter writer = new SafetensorsWriter();
        names.forEach(n -> writer.addFloats(n, dtype, source.info(n).shape(), source.readFloats(n)));
        writer.write(dir.resolve("model.safetensors"));
        return dir;
      }
      ObjectNode index = new ObjectMapper().createObjectNode();
      index.putObject("metadata").put("total_size", 0);
      ObjectNode map = index.putObject("weight_map");
      int perShard = (names.size() + shards - 1) / shards;
      for (int s = 0; s < shards; s++) {
        String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
        SafetensorsWriter writer = new SafetensorsWriter();
        for (String n : names.subList(s * perShard, Math.min(names.size(), (s + 1) * perShard))) {
          writer.addFloats(n, dtype, source.info(n).shape(), source.readFloats(n));
          map.put(n, file);
        }
        writer.write(dir.resolve(file));
      }
      Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    }
    return dir;
  }

  private static float[] logits(Path dir, BackboneFactory factory, Precision precision, int[][] ids) {
    try (FixtureModel m = new FixtureModel(dir, factory, precision)) {
      return m.logits(ids);
    }
  }

  /** max|logit − transformers' logit| of the Llama fixture with its weights stored as {@code dtype} (one shard). */
  private static float logitDiffStoredAs(DType dtype, Path folder) throws Exception {
    float[] actual = logits(copy(LLAMA, folder, dtype, 1), LlamaBackbone::new, Precision.F32, ids(LLAMA));
    return BackboneContract.maxAbsDiff(expectedLogits(LLAMA), actual);
  }

  @Test
  void bf16CheckpointLoadsAndRuns(@TempDir Path tmp) throws Exception {
    float maxLogit = maxAbs(expectedLogits(LLAMA));
    float diff = logitDiffStoredAs(DType.BF16, tmp.resolve("bf16"));
    System.out.println("bf16 weights: logits max|diff| = " + diff + " (max|logit| " + maxLogit + ")");
    assertTrue(diff <= 0.02f * maxLogit, "bf16 logits max|diff| = " + diff);
  }

  @Test
  void f16CheckpointLoadsAndRuns(@TempDir Path tmp) throws Exception {
    float diff = logitDiffStoredAs(DType.F16, tmp.resolve("f16"));
    assertTrue(diff <= 0.005f * maxAbs(expectedLogits(LLAMA)), "f16 logits max|diff| = " + diff);
  }

  @Test
  void shardedCheckpointLoadsWithIdenticalLogits(@TempDir Path tmp) throws Exception {
    int[][] ids = ids(LLAMA);
    float[] single = logits(LLAMA, LlamaBackbone::new, Precision.F32, ids);
    Path sharded = copy(LLAMA, tmp.resolve("sharded"), DType.F32, 2);
    assertTrue(Files.exists(sharded.resolve("model-00002-of-00002.safetensors")));
    assertArrayEquals(single, logits(sharded, LlamaBackbone::new, Precision.F32, ids));
  }

  @Test
  void bf16PrecisionForwardRuns() {
    for (var family : List.of(List.of(LLAMA, (BackboneFactory) LlamaBackbone::new),
        List.of(Fixtures.fixture("hf/gemma"), (BackboneFactory) GemmaBackbone::new))) {
      Path fixture = (Path) family.get(0);
      float[] expected = expectedLogits(fixture);
      float[] actual = logits(fixture, (BackboneFactory) family.get(1), Precision.BF16, ids(fixture));
      float diff = BackboneContract.maxAbsDiff(expected, actual);
      System.out.println(fixture.getFileName() + " Precision.BF16: logits max|diff| = " + diff + " (max|logit| "
          + maxAbs(expected) + ")");
      assertTrue(diff <= 0.02f * maxAbs(expected), "bf16 matmul logits max|diff| = " + diff);
    }
  }
}
