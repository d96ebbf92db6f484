package io.liquidj.recipes.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one sweep point measured, saved as {@code <point>/result.json} (a rerun skips a finished point
 * and reads this back). The measurements are null for a failed point.
 *
 * @param name the point's folder
 * @param values the point's configuration values, as the table shows them
 * @param status {@link #FINISHED} or {@link #FAILED}
 * @param error the failure, one line ("" when finished)
 * @param parameters backbone parameters N (tied embeddings counted once)
 * @param trainedTokens tokens D the run trained on: steps · batch-size · seq-len · grad-accum
 * @param flops training compute C = 6·N·D
 * @param trainLoss cross-entropy of the last logged training step
 * @param heldoutText held-out cross-entropy of text targets
 * @param heldoutImage held-out cross-entropy of image-code targets
 * @param wallSeconds wall time of the run that finished the point (train + evaluate)
 * @param tokensPerSecond median training throughput of the logged steps
 * @param curve the training cross-entropy at each logged step
 */
record PointResult(String name, Map<String, String> values, String status, String error, Long parameters,
    Long trainedTokens, Double flops, Double trainLoss, Double heldoutText, Double heldoutImage, double wallSeconds,
    Double tokensPerSecond, List<CurvePoint> curve) {
  static final String FINISHED = "finished";
  static final String FAILED = "failed";
  static final String FILE = "result.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One logged training step: its number (1-based) and cross-entropy. */
  record CurvePoint(long step, double loss) {}

  PointResult {
    values = Map.copyOf(values);
    curve = List.copyOf(curve);
  }

  static PointResult failed(SweepPoint point, String error, double wallSeconds) {
    return new PointResult(point.name(), displayed(point), FAILED, error, null, null, null, null, null, null,
        wallSeconds, null, List.of());
  }

  static Map<String, String> displayed(SweepPoint point) {
    Map<String, String> values = new java.util.TreeMap<>();
    point.values().keySet().forEach(k -> values.put(k, point.display(k)));
    return values;
  }

  boolean finished() {
    return FINISHED.equals(status);
  }

  void write(Path dir) throws IOException {
    AtomicFiles.writeString(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
  }

  /** The result saved in a point's folder, if any. */
  static Optional<PointResult> read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), PointResult.class)) : Optional.empty();
  }
}
