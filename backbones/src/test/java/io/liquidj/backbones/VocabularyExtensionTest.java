package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneCheckpoints;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.backbone.VocabularyExtension.Plan;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.tf.VariableStore;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabularyExtensionTest {
  private static final Path LLAMA = Fixtures.fixture("hf/llama3");
  private static final int OLD_VOCAB = 512;

  private static int[][] ids() {
    try (SafetensorsFile io = SafetensorsFile.open(LLAMA.resolve("io.safetensors"))) {
      return BackboneContract.rows(io.readInts("input_ids"), (int) io.info("input_ids").shape()[1]);
    }
  }

  private static FixtureModel extended(Path baseDir, Plan plan) {
    ModelConfig config = VocabularyExtension.extendedConfig(ModelConfig.read(baseDir), plan);
    return new FixtureModel(config, LlamaBackbone::new, Precision.F32, (session, store) -> {
      try (Checkpoint base = Checkpoint.open(baseDir)) {
        VocabularyExtension.loadExtended(session, store, base, 7);
      }
    });
  }

  @Test
  void openGrowsASmallerCheckpointIntoTheExtendedBackbone() {
    ModelConfig config = VocabularyExtension.extendedConfig(ModelConfig.read(LLAMA), Plan.appended(32));
    try (Graph g = new Graph(); Session s = new Session(g); Checkpoint base = Checkpoint.open(LLAMA)) {
      Backbone backbone = new LlamaBackbone(config, Precision.F32);
      VariableStore store = BackboneVariables.open(Ops.create(g), s, backbone, Optional.of(LLAMA), 7);
      float[] embed = store.read(s, "model.embed_tokens.weight");
      float[] old = base.readFloats("model.embed_tokens.weight");
      assertEquals((OLD_VOCAB + 35) * 64, embed.length);
      assertArrayEquals(old, Arrays.copyOf(embed, old.length));
      assertArrayEquals(base.readFloats("model.norm.weight"), store.read(s, "model.norm.weight"));
    }
  }

  /** Logits [B, T, newVocab] restricted to the first {@code vocab} columns. */
  private static float[] firstColumns(float[] logits, int newVocab, int vocab) {
    int positions = logits.length / newVocab;
    float[] out = new float[positions * vocab];
    for (int p = 0; p < positions; p++) {
      System.arraycopy(logits, p * newVocab, out, p * vocab, vocab);
    }
    return out;
  }

  @Test
  void extensionLeavesExistingTokenLogitsUnchanged() {
    int[][] ids = ids();
    float[] before;
    try (FixtureModel base = new FixtureModel(LLAMA, LlamaBackbone::new, Precision.F32)) {
      before = base.logits(ids);
    }
    try (FixtureModel m = extended(LLAMA, Plan.appended(VocabularyExtension.DEFAULT_IMAGE_CODES))) {
      assertEquals(OLD_VOCAB + 8192 + 3, m.config.vocabSize());
      MultimodalVocabulary vocab = MultimodalVocabulary.of(m.config);
      assertEquals(OLD_VOCAB, vocab.imageToken(0));
      assertEquals(OLD_VOCAB + 8192, vocab.boiTokenId());
      float[] after = firstColumns(m.logits(ids), m.config.vocabSize(), OLD_VOCAB);
      float diff = BackboneContract.maxAbsDiff(before, after);
      assertTrue(diff <= 1e-5f, "existing-token logits moved by " + diff);
    }
  }

  /** A copy of the llama fixture with an untied LM head (0.5 · embedding + 0.01, so head ≠ embedding). */
  private static Path untiedCopy(Path dir) throws Exception {
    Path untied = dir.resolve("untied");
    Files.createDirectories(untied);
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(LLAMA.resolve("config.json").toFile());
    json.put("tie_word_embeddings", false);
    Files.writeString(untied.resolve("config.json"), json.toString());
    try (Checkpoint base = Checkpoint.open(LLAMA)) {
      SafetensorsWriter writer = new SafetensorsWriter();
      for (String name : base.names()) {
        writer.add(name, base.info(name).dtype(), base.info(name).shape(), base.bytes(name));
      }
      float[] head = base.readFloats("model.embed_tokens.weight");
      for (int i = 0; i < head.length; i++) {
        head[i] = head[i] * 0.5f + 0.01f;
      }
      writer.addFloats("lm_head.weight", DType.F32, base.info("model.embed_tokens.weight").shape(), head);
      writer.write(untied.resolve("model.safetensors"));
    }
    return untied;
  }

  @Test
  void untiedLmHeadGrowsWithTheEmbedding(@TempDir Path dir) throws Exception {
    Path untied = untiedCopy(dir);
    int[][] ids = ids();
    float[] before;
    try (FixtureModel base = new FixtureModel(untied, LlamaBackbone::new, Precision.F32)) {
      before = base.logits(ids);
    }
    try (FixtureModel m = extended(untied, Plan.appended(16))) {
      assertEquals(OLD_VOCAB + 19, m.store.get("lm_head.weight").spec().shape()[0]);
      float diff = BackboneContract.maxAbsDiff(before, firstColumns(m.logits(ids), m.config.vocabSize(), OLD_VOCAB));
      assertTrue(diff <= 1e-5f, "existing-token logits moved by " + diff);
    }
  }

  /**
   * Mean-resized rows give every new token the logit h·mean(rows) = mean of the old logits, so
   * exp(new) ≤ mean(exp(old)) and KL(p_old ‖ p_new) = log(Z_new / Z_old) ≤ log(1 + added / vocab).
   * 13 codes + 3 specials on 512 rows is the ratio of Gemma's 8195 added rows on 256,000.
   */
  @Test
  void meanResizedRowsKeepTheNextTokenDistributionClose() {
    int[][] ids = ids();
    float[] before;
    try (FixtureModel base = new FixtureModel(LLAMA, LlamaBackbone::new, Precision.F32)) {
      before = base.logits(ids);
    }
    try (FixtureModel m = extended(LLAMA, Plan.appended(13))) {
      int newVocab = m.config.vocabSize();
      float[] after = m.logits(ids);
      int positions = before.length / OLD_VOCAB;
      double kl = 0;
      for (int p = 0; p < positions; p++) {
        double zOld = logSumExp(before, p * OLD_VOCAB, OLD_VOCAB);
        double zNew = logSumExp(after, p * newVocab, newVocab);
        for (int v = 0; v < OLD_VOCAB; v++) {
          double logPOld = before[p * OLD_VOCAB + v] - zOld;
          double logPNew = after[p * newVocab + v] - zNew;
          kl += Math.exp(logPOld) * (logPOld - logPNew);
        }
      }
      kl /= positions;
      double bound = Math.log(1 + 16.0 / OLD_VOCAB);
      System.out.printf("mean-resized extension (+16 rows on 512): KL(old || new) = %.6f nats (bound %.6f)%n", kl, bound);
      assertTrue(kl >= 0 && kl <= bound + 1e-4, "KL " + kl + " exceeds log(1 + added/vocab) = " + bound);
    }
  }

  /**
   * The added rows follow the documented noise model (transformers' mean resizing): whitened by the
   * noise covariance 1e-9 · Σ (Σ the old rows' covariance over their count), their deviations from the
   * old rows' mean are standard normal — mean ≈ 0, covariance ≈ I, cross-terms included. 4096 added rows
   * on the fixture's 512 × 64 matrices take the full-covariance path (the diagonal fallback starts above
   * 2^33 multiply-adds). Zero rows, copies of old rows and the bare mean all fail.
   */
  @Test
  void addedRowsAreTheOldMeanPlusNoiseShapedByTheOldCovariance(@TempDir Path dir) throws Exception {
    Path untied = untiedCopy(dir);
    ModelConfig config = VocabularyExtension.extendedConfig(ModelConfig.read(untied), Plan.appended(4093));
    try (Graph g = new Graph(); Session s = new Session(g); Checkpoint base = Checkpoint.open(untied)) {
      Backbone backbone = new LlamaBackbone(config, Precision.F32);
      VariableStore store = BackboneVariables.open(Ops.create(g), s, backbone, Optional.of(untied), 7);
      for (String name : VocabularyExtension.VOCABULARY_MATRICES) {
        float[] old = base.readFloats(name);
        float[] grown = store.read(s, name);
        assertEquals(old.length + 4096 * 64, grown.length, name);
        assertArrayEquals(old, Arrays.copyOf(grown, old.length), name + ": old rows");
        assertMeanPlusScaledCovarianceNoise(name, old, Arrays.copyOfRange(grown, old.length, grown.length), 64);
      }
    }
  }

  private static void assertMeanPlusScaledCovarianceNoise(String name, float[] old, float[] added, int width) {
    int n = old.length / width;
    int count = added.length / width;
    double[] mean = new double[width];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < width; j++) {
        mean[j] += old[r * width + j] / (double) n;
      }
    }
    double[][] noiseCovariance = new double[width][width]; // 1e-9 · Σ_r (x_r − μ)(x_r − μ)ᵀ / n
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < width; i++) {
        for (int j = 0; j < width; j++) {
          noiseCovariance[i][j] += 1e-9 * (old[r * width + i] - mean[i]) * (old[r * width + j] - mean[j]) / n;
        }
      }
    }
    double[][] l = lowerCholesky(noiseCovariance);
    double[] zMean = new double[width];
    double[][] zCovariance = new double[width][width];
    for (int a = 0; a < count; a++) {
      double[] z = new double[width]; // L⁻¹ (row − μ), by forward substitution
      for (int i = 0; i < width; i++) {
        double v = added[a * width + i] - mean[i];
        for (int k = 0; k < i; k++) {
          v -= l[i][k] * z[k];
        }
        z[i] = v / l[i][i];
      }
      for (int i = 0; i < width; i++) {
        zMean[i] += z[i] / count;
        for (int j = 0; j < width; j++) {
          zCovariance[i][j] += z[i] * z[j] / count;
        }
      }
    }
    double worstMean = 0;
    double worstVariance = 0;
    double worstCross = 0;
    for (int i = 0; i < width; i++) {
      worstMean = Math.max(worstMean, Math.abs(zMean[i]));
      worstVariance = Math.max(worstVariance, Math.abs(zCovariance[i][i] - 1));
      for (int j = 0; j < i; j++) {
        worstCross = Math.max(worstCross, Math.abs(zCovariance[i][j]));
      }
    }
    System.out.printf("%s: %d added rows whitened: max|mean| %.4f, max|variance - 1| %.4f, max|covariance| %.4f%n",
        name, count, worstMean, worstVariance, worstCross);
    // Sampling errors are N(0, 1/count) for means and cross-covariances, N(0, 2/count) for variances:
    // 0.016 and 0.022 here; the bounds leave 5 to 7 standard deviations over 64 dimensions and 2016 pairs.
    double sd = 1 / Math.sqrt(count);
    assertTrue(worstMean <= 5 * sd, name + ": added rows are not centred on the old rows' mean (max|mean| "
        + worstMean + " noise standard deviations)");
    assertTrue(worstVariance <= 7 * Math.sqrt(2) * sd, name + ": added rows' spread is not 1e-9 · the old covariance "
        + "(max|variance - 1| " + worstVariance + ")");
    assertTrue(worstCross <= 6 * sd, name + ": added rows lack the old rows' cross-covariance (max|covariance| "
        + worstCross + ")");
  }

  private static double[][] lowerCholesky(double[][] a) {
    int d = a.length;
    double[][] l = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        l[i][j] = i == j ? Math.sqrt(sum) : sum / l[j][j];
      }
    }
    return l;
  }

  private static double logSumExp(float[] v, int offset, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, v[offset + i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.exp(v[offset + i] - max);
    }
    return max + Math.log(sum);
  }

  @Test
  void savedExtendedFolderReloadsWithIdenticalLogits(@TempDir Path dir) throws Exception {
    int[][] ids = ids();
    Path saved = dir.resolve("extended");
    float[] before;
    try (FixtureModel m = extended(LLAMA, Plan.appended(64))) {
      before = m.logits(ids);
      BackboneCheckpoints.save(m.session, m.weights, m.backbone, saved, false);
    }
    ModelConfig reread = ModelConfig.read(saved);
    assertEquals(OLD_VOCAB + 67, reread.vocabSize());
    assertEquals(OLD_VOCAB, reread.liquid().imageCodeOffset());
    assertEquals(64, reread.liquid().numImageCodes());
    assertEquals(OLD_VOCAB + 64 + 2, reread.liquid().unconditionalTokenId());
    try (FixtureModel m = new FixtureModel(saved, LlamaBackbone::new, Precision.F32)) {
      assertArrayEquals(before, m.logits(ids));
    }
  }

  @Test
  void mappedSpecialsReuseExistingTokens() {
    ModelConfig gemma = ModelConfig.read(Fixtures.fixture("hf/gemma"));
    ModelConfig config = VocabularyExtension.extendedConfig(gemma, Plan.mappedSpecials(16, 7, 8, 9));
    assertEquals(OLD_VOCAB + 16, config.vocabSize());
    MultimodalVocabulary vocab = MultimodalVocabulary.of(config);
    assertEquals(7, vocab.boiTokenId());
    assertEquals(9, vocab.unconditionalTokenId());
    assertEquals(OLD_VOCAB + 15, vocab.imageToken(15));
  }

  @Test
  void liquidReleaseIsRecognisedAsExtendedAndNotExtendedAgain() throws Exception {
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(Fixtures.fixture("hf/gemma").resolve("config.json")
        .toFile());
    json.put("vocab_size", 264_192);
    ModelConfig release = NamedShapesTest.registry()
        .complete(ModelConfig.fromJson(json, "Junfeng5/Liquid_V1_7B config.json"));
    MultimodalVocabulary vocab = MultimodalVocabulary.of(release);
    assertEquals(256_000, vocab.imageToken(0));
    assertEquals(264_191, vocab.imageToken(8191));
    assertEquals(8, vocab.eoiTokenId());
    assertThrows(UserError.class, () -> VocabularyExtension.extendedConfig(release, Plan.appended(8192)));

    ModelConfig explicit = VocabularyExtension.extendedConfig(ModelConfig.read(LLAMA), Plan.appended(32));
    assertTrue(ModelConfig.fromJson(explicit.raw(), "saved config.json").liquid() != null);
  }
}
