package io.liquidj.framework.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.generate.GenerationClient;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.generate.TestBackbones;
import io.liquidj.framework.generate.TestGraphs;
import io.liquidj.framework.tf.VariableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;

/** Exports a tiny Liquid model, reloads it as TensorFlow Serving would, and calls every signature. */
class SavedModelExportTest {
  static final MultimodalVocabulary VOCAB = new MultimodalVocabulary(20, 16, 36, 37, 38, 39);
  static final PromptTemplates TEMPLATES = new PromptTemplates(
      new int[] {1}, new int[] {5, 6, 36}, new int[] {38, 36}, new int[] {1, 7}, new int[] {8}, new int[] {9, 10},
      new int[] {1}, new int[] {},
      new int[] {3});
  static final SamplingSettings SAMPLING = new SamplingSettings(7.0, 0.99, 4096, 0.96, 11);
  static final int[][] PROMPTS = {{11, 12, 13}, {14}, {11, 12, 13}};
  static final int[][] CODES = {{0, 15, 3, 4}, {7, 7, 7, 7}};
  static final int[][] QUESTIONS = {{12, 13}, {}};

  @TempDir static Path tmp;
  static Graph graph;
  static Session session;
  static GenerationGraph generation;
  static Path exported;
  static SavedModelBundle bundle;

  @BeforeAll
  static void export() throws Exception {
    graph = new Graph();
    Ops tf = Ops.create(graph);
    var backbone = TestBackbones.tinyCache(VOCAB.totalRows(), 8);
    VariableStore store = new VariableStore(tf);
    store.createAll(backbone.parameters(), TestGraphs.randomNormal(1.0f));
    generation = new GenerationGraph(tf, backbone, store, Precision.F32, VOCAB, TEMPLATES,
        new GenerationGraph.Shapes(2, 2, 5), SamplingSettings.liquidDefaults(), /* codesToPixels= */ null);
    ResourceSaver.build(tf, store);
    session = new Session(graph);
    store.initializeAll(session);
    exported = tmp.resolve("export");
    SavedModelExport.write(exported, /* overwrite= */ false, session, generation.signatures(),
        extra -> Files.writeString(extra.resolve("liquid-serving.json"), "{}"));
    bundle = SavedModelBundle.load(exported.toString(), "serve");
  }

  @AfterAll
  static void close() {
    bundle.close();
    session.close();
    graph.close();
  }

  @Test
  void reloadedImageGenerationGivesTheSameCodesForTheSameSeed() {
    int[][] here = GenerationClient.of(session, generation).generateImage(PROMPTS, SAMPLING);
    int[][] served = GenerationClient.of(bundle).generateImage(PROMPTS, SAMPLING);
    assertArrayEquals(here, served);
    assertEquals(3, here.length);
    for (int[] image : here) {
      assertEquals(4, image.length);
      for (int c : image) {
        assertTrue(c >= 0 && c < 16, "code " + c + " outside the codebook");
      }
    }
  }

  @Test
  void reloadedCaptionAndTextMatchInProcess() {
    var here = GenerationClient.of(session, generation);
    var served = GenerationClient.of(bundle);
    assertArrayEquals(here.caption(CODES, QUESTIONS, SAMPLING), served.caption(CODES, QUESTIONS, SAMPLING));
    assertArrayEquals(here.generateText(PROMPTS, SAMPLING), served.generateText(PROMPTS, SAMPLING));
    for (int[] answer : here.generateText(PROMPTS, SAMPLING)) {
      for (int t : answer) {
        assertTrue(t >= 0 && t < 20 && t != 3, "text token " + t + " is an image code or the stop token");
      }
    }
  }

  @Test
  void reloadedLogitsAreTheExportedWeights() {
    int[][] ids = {{1, 2, 3, 20}, {5, 6}};
    float[][][] here = GenerationClient.of(session, generation).logits(ids);
    float[][][] served = GenerationClient.of(bundle).logits(ids);
    for (int b = 0; b < ids.length; b++) {
      for (int t = 0; t < here[b].length; t++) {
        assertArrayEquals(here[b][t], served[b][t], 0f);
      }
    }
  }

  @Test
  void signatureDefsAreWhatTensorFlowServingExpects() {
    Map<String, SignatureDef> defs = bundle.metaGraphDef().getSignatureDefMap();
    assertEquals(Set.of("serving_default", "generate_image", "caption", "generate_text", "logits"), defs.keySet());
    defs.values().forEach(d -> assertEquals("tensorflow/serving/predict", d.getMethodName()));
    assertEquals(Set.of("prompt_ids"), defs.get("serving_default").getInputsMap().keySet());
    assertEquals(Set.of("codes"), defs.get("serving_default").getOutputsMap().keySet());
    SignatureDef image = defs.get("generate_image");
    assertEquals(Set.of("prompt_ids", "prompt_mask", "seed", "temperature", "top_k", "top_p", "guidance_scale",
        "grid_height", "grid_width"), image.getInputsMap().keySet());
    assertEquals(DataType.DT_INT32, image.getInputsOrThrow("prompt_ids").getDtype());
    assertEquals(DataType.DT_INT64, image.getInputsOrThrow("seed").getDtype());
    assertEquals(DataType.DT_FLOAT, image.getInputsOrThrow("guidance_scale").getDtype());
    assertEquals(DataType.DT_INT32, image.getInputsOrThrow("top_k").getDtype());
    assertEquals(DataType.DT_INT32, image.getOutputsOrThrow("codes").getDtype());
    assertEquals(Set.of("image_codes", "question_ids", "question_mask", "seed", "temperature", "top_k", "top_p"),
        defs.get("caption").getInputsMap().keySet());
    assertEquals(Set.of("tokens", "lengths"), defs.get("generate_text").getOutputsMap().keySet());
    assertEquals(DataType.DT_FLOAT, defs.get("logits").getOutputsOrThrow("logits").getDtype());
    assertEquals(java.util.List.of("serve"), bundle.metaGraphDef().getMetaInfoDef().getTagsList());
    assertTrue(Files.isRegularFile(exported.resolve("saved_model.pb")));
    assertTrue(Files.isRegularFile(exported.resolve("variables/variables.index")));
    assertTrue(Files.isRegularFile(exported.resolve("variables/variables.data-00000-of-00001")));
  }

  @Test
  void servingDefaultTakesPromptIdsAloneAndSamplesWithTheDefaults() {
    int[][] prompt = {{11, 12, 13}, {11, 12, 13}};
    int[][] withDefaults = GenerationClient.of(bundle).generateImage(prompt, SamplingSettings.liquidDefaults());
    try (TInt32 ids = TInt32.tensorOf(StdArrays.ndCopyOf(prompt));
        Result r = bundle.function("serving_default").call(Map.of("prompt_ids", ids))) {
      int[][] codes = new int[2][4];
      StdArrays.copyFrom((TInt32) r.get("codes").orElseThrow(), codes);
      assertArrayEquals(withDefaults, codes);
    }
  }

  @Test
  void samplingInputsMayComeOnePerRowAsTensorFlowServingsRowFormatBatchesThem() {
    int[][] prompt = {{11, 12, 13}, {14, 15, 16}};
    int[][] scalars = GenerationClient.of(bundle).generateImage(prompt, SAMPLING);
    Map<String, Tensor> in = new HashMap<>();
    in.put("prompt_ids", TInt32.tensorOf(StdArrays.ndCopyOf(prompt)));
    in.put("prompt_mask", TInt32.tensorOf(StdArrays.ndCopyOf(new int[][] {{1, 1, 1}, {1, 1, 1}})));
    in.put("seed", TInt64.vectorOf(SAMPLING.seed(), SAMPLING.seed()));
    in.put("temperature", TFloat32.vectorOf((float) SAMPLING.temperature(), (float) SAMPLING.temperature()));
    in.put("top_k", TInt32.vectorOf(SAMPLING.topK(), SAMPLING.topK()));
    in.put("top_p", TFloat32.vectorOf((float) SAMPLING.topP(), (float) SAMPLING.topP()));
    in.put("guidance_scale", TFloat32.vectorOf((float) SAMPLING.guidanceScale(), (float) SAMPLING.guidanceScale()));
    in.put("grid_height", TInt32.vectorOf(2, 2));
    in.put("grid_width", TInt32.vectorOf(2, 2));
    try (Result r = bundle.function("generate_image").call(in)) {
      int[][] codes = new int[2][4];
      StdArrays.copyFrom((TInt32) r.get("codes").orElseThrow(), codes);
      assertArrayEquals(scalars, codes);
    } finally {
      in.values().forEach(Tensor::close);
    }
  }

  @Test
  void aGridWhoseRowsDisagreeFailsTheCallNamingTheInput() {
    Map<String, Tensor> in = new HashMap<>();
    in.put("prompt_ids", TInt32.tensorOf(StdArrays.ndCopyOf(new int[][] {{11, 12}, {13, 14}})));
    in.put("prompt_mask", TInt32.tensorOf(StdArrays.ndCopyOf(new int[][] {{1, 1}, {1, 1}})));
    in.put("seed", TInt64.scalarOf(SAMPLING.seed()));
    in.put("temperature", TFloat32.scalarOf((float) SAMPLING.temperature()));
    in.put("top_k", TInt32.scalarOf(SAMPLING.topK()));
    in.put("top_p", TFloat32.scalarOf((float) SAMPLING.topP()));
    in.put("guidance_scale", TFloat32.scalarOf((float) SAMPLING.guidanceScale()));
    in.put("grid_height", TInt32.vectorOf(2, 1));
    in.put("grid_width", TInt32.scalarOf(2));
    try {
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> bundle.function("generate_image").call(in).close());
      assertTrue(e.getMessage().contains("grid_height must be one positive number for the whole batch"), e.getMessage());
    } finally {
      in.values().forEach(Tensor::close);
    }
  }

  @Test
  void noTemporaryFoldersAreLeftBeside() throws Exception {
    try (var files = Files.list(tmp)) {
      assertEquals(java.util.List.of(exported), files.toList());
    }
  }
}
