package io.liquidj.tokenizers.patchvq;

import io.liquidj.framework.UserError;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.tokenizer.ImageBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.JDKRandomGenerator;

/**
 * Trains a patch VQ's codebook: k-means (k-means++ seeding, then Lloyd's iterations; Commons Math's {@link
 * KMeansPlusPlusClusterer}) over the images' patches on the code grid, in the [-1, 1] pixel space the
 * tokenizer encodes in.
 */
public final class PatchVqTraining {
  private PatchVqTraining() {}

  /** The trained tokenizer, the number of patches it was fitted on, and how well it reconstructs them. */
  public record Result(PatchVqTokenizer tokenizer, int patches, double meanSquaredError, int distinctCodes) {}

  /**
   * Fits {@code config.nEmbed()} entries to the patches of {@code images} (each {@code config.resolution()}
   * square), at most {@code maxPatches} of them drawn at random with {@code seed}, in at most {@code iterations}
   * Lloyd iterations.
   */
  public static Result train(List<RgbImage> images, PatchVqConfig config, int iterations, int maxPatches, long seed) {
    RgbImage first = images.get(0);
    int p = config.patchSize();
    int gw = first.width() / p;
    int grid = first.height() / p * gw;
    int total = images.size() * grid;
    List<Integer> chosen = new ArrayList<>(total);
    for (int i = 0; i < total; i++) {
      chosen.add(i);
    }
    java.util.Collections.shuffle(chosen, new Random(seed));
    chosen = chosen.subList(0, Math.min(maxPatches, total));
    // The drawn patches, in draw order, taken from one image at a time ([-1, 1] as the tokenizer encodes them): a
    // batch of every image at once would hold four times the images' own bytes.
    Map<Integer, List<Integer>> drawsByImage = new TreeMap<>();
    for (int draw = 0; draw < chosen.size(); draw++) {
      drawsByImage.computeIfAbsent(chosen.get(draw) / grid, b -> new ArrayList<>()).add(draw);
    }
    DoublePoint[] drawn = new DoublePoint[chosen.size()];
    float[] patch = new float[config.patchValues()];
    for (Map.Entry<Integer, List<Integer>> image : drawsByImage.entrySet()) {
      ImageBatch pixels = Images.toBatch(List.of(images.get(image.getKey())));
      for (int draw : image.getValue()) {
        int cell = chosen.get(draw) % grid;
        PatchVqTokenizer.patch(pixels, 0, cell / gw, cell % gw, p, patch);
        double[] v = new double[patch.length];
        for (int i = 0; i < patch.length; i++) {
          v[i] = patch[i];
        }
        drawn[draw] = new DoublePoint(v);
      }
    }
    List<DoublePoint> points = List.of(drawn);
    Set<DoublePoint> distinct = new HashSet<>(points); // DoublePoint compares by value
    if (distinct.size() < config.nEmbed()) {
      throw new UserError("patch-vq.train: the images have " + distinct.size() + " distinct " + p + "x" + p
          + " patches, fewer than patch-vq.train.n-embed = " + config.nEmbed() + "; lower n-embed or add images");
    }
    KMeansPlusPlusClusterer<DoublePoint> kmeans = new KMeansPlusPlusClusterer<>(config.nEmbed(), iterations,
        new EuclideanDistance(), new JDKRandomGenerator((int) seed));
    List<CentroidCluster<DoublePoint>> clusters = kmeans.cluster(points);
    float[] codebook = new float[config.nEmbed() * config.patchValues()];
    for (int k = 0; k < clusters.size(); k++) {
      double[] center = clusters.get(k).getCenter().getPoint();
      for (int i = 0; i < center.length; i++) {
        codebook[k * center.length + i] = (float) center[i];
      }
    }
    PatchVqTokenizer tokenizer = new PatchVqTokenizer(config, codebook);
    double squaredError = 0;
    Set<Integer> used = new HashSet<>();
    for (DoublePoint point : points) {
      double[] v = point.getPoint();
      for (int i = 0; i < v.length; i++) {
        patch[i] = (float) v[i];
      }
      int code = tokenizer.nearest(patch);
      used.add(code);
      for (int i = 0; i < v.length; i++) {
        double d = v[i] - codebook[code * v.length + i];
        squaredError += d * d;
      }
    }
    return new Result(tokenizer, points.size(), squaredError / ((double) points.size() * patch.length), used.size());
  }
}
