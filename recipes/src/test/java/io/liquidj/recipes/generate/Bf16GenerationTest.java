package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.export.ResourceSaver;
import io.liquidj.framework.export.SavedModelExport;
import io.liquidj.framework.generate.GenerationClient;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.tf.VariableStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * {@code generate.precision = bf16} on the Llama fixture (transformers' weights, 512 rows, here with 100 image
 * codes): greedy image codes against f32, and the export's {@code variables/} against f32's.
 */
class Bf16GenerationTest {
  private static final Path LLAMA = Fixtures.fixture("hf/llama3");
  private static final MultimodalVocabulary VOCAB = new MultimodalVocabulary(400, 100, 500, 501, 502, 512);
  private static final PromptTemplates TEMPLATES = new PromptTemplates(
      new int[] {1}, new int[] {5, 6, 500}, new int[] {1, 502, 500}, new int[] {1}, new int[0], new int[0],
      new int[] {1}, new int[0], new int[0]);
  private static final GenerationGraph.Shapes SHAPES = new GenerationGraph.Shapes(4, 4, 8);
  private static final SamplingSettings GREEDY = new SamplingSettings(3.0, 0, 0, 1, 0);
  private static final int PROMPTS = 24;

  @TempDir static Path tmp;
  static Model f32;
  static Model bf16;

  /** One precision's graph, session and export. */
  record Model(Graph graph, Session session, GenerationGraph generation, Path export) implements AutoCloseable {
    static Model open(Precision precision, Path export) throws IOException {
      ModelConfig config = ModelConfig.read(LLAMA);
      Backbone llama = new LlamaBackbone(config, precision);
      Graph graph = new Graph();
      Ops tf = Ops.create(graph);
      VariableStore store = BackboneVariables.create(tf, llama, 0, precision);
      GenerationGraph generation = new GenerationGraph(tf, llama, store, precision, VOCAB, TEMPLATES, SHAPES, GREEDY,
          /* codesToPixels= */ null);
      ResourceSaver.build(tf, store);
      Session session = new Session(graph);
      BackboneVariables.load(session, store, LLAMA);
      SavedModelExport.write(export, /* overwrite= */ false, session, generation.signatures(),
          extra -> Files.writeString(extra.resolve("liquid-serving.json"), "{}"));
      return new Model(graph, session, generation, export);
    }

    int[][] codes(int[][] prompts) {
      return GenerationClient.of(session, generation).generateImage(prompts, GREEDY);
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }

  @BeforeAll
  static void open() throws IOException {
    f32 = Model.open(Precision.F32, tmp.resolve("f32"));
    bf16 = Model.open(Precision.BF16, tmp.resolve("bf16"));
  }

  @AfterAll
  static void close() {
    f32.close();
    bf16.close();
  }

  static int[][] prompts() {
    Random random = new Random(17);
    int[][] prompts = new int[PROMPTS][];
    for (int i = 0; i < PROMPTS; i++) {
      prompts[i] = random.ints(6, 3, 400).toArray();
    }
    return prompts;
  }

  @Test
  void bf16GreedyImageCodesMatchF32ForMostPrompts() {
    int[][] prompts = prompts();
    int[][] expected = f32.codes(prompts);
    int[][] actual = bf16.codes(prompts);
    int same = 0;
    int firstSame = 0;
    for (int i = 0; i < PROMPTS; i++) {
      same += Arrays.equals(expected[i], actual[i]) ? 1 : 0;
      firstSame += expected[i][0] == actual[i][0] ? 1 : 0;
    }
    System.out.printf("bf16 vs f32 greedy image codes: %d/%d prompts identical (all %d codes), first code %d/%d%n",
        same, PROMPTS, expected[0].length, firstSame, PROMPTS);
    assertTrue(same * 4 >= PROMPTS * 3, "identical greedy codes for " + same + "/" + PROMPTS + " prompts");
  }

  @Test
  void bf16ExportHoldsHalfTheVariableBytes() throws IOException {
    long f32Bytes = bytes(f32.export().resolve("variables"));
    long bf16Bytes = bytes(bf16.export().resolve("variables"));
    System.out.printf("variables/: f32 %,d bytes, bf16 %,d bytes (%.3f×)%n", f32Bytes, bf16Bytes,
        (double) bf16Bytes / f32Bytes);
    assertTrue(bf16Bytes <= 0.6 * f32Bytes, "bf16 " + bf16Bytes + " bytes vs f32 " + f32Bytes);
  }

  @Test
  void bf16ExportGivesTheInProcessCodes() {
    int[][] prompts = Arrays.copyOf(prompts(), 4);
    try (SavedModelBundle bundle = SavedModelBundle.load(bf16.export().toString(), "serve")) {
      assertArrayEquals(bf16.codes(prompts), GenerationClient.of(bundle).generateImage(prompts, GREEDY));
    }
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
