package io.liquidj.recipes.sweep;

import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A sweep's results in {@code sweep.output-dir}: {@code results.csv} and {@code results.md} (one row per
 * point), the charts ({@link SweepCharts}) and, where the finished points span at least 4 model sizes,
 * the scaling fits {@code L(C)} and {@code L(N)} of the held-out text and image losses.
 *
 * @param fits every fit tried, in order: text and image loss, each against C and N
 * @param summary what the console shows: the files written and the fits
 */
record SweepReport(List<Fitted> fits, String summary) {
  static final String CSV = "results.csv";
  static final String MARKDOWN = "results.md";
  /** The fewest model sizes fitted: 3 parameters and at least one degree of freedom for their errors. */
  static final int MIN_SIZES = 4;

  /**
   * One power-law fit, or why there is none.
   *
   * @param loss "text" or "image" (held-out)
   * @param variable "C" (training FLOPs) or "N" (parameters)
   * @param fit the fit, or null
   * @param note why there is no fit ("" when there is one)
   */
  record Fitted(String loss, String variable, ScalingFit fit, String note) {
    String describe() {
      String head = "held-out " + loss + " loss L(" + variable + ") = a·" + variable + "^(−b) + c: ";
      if (fit == null) {
        return head + note;
      }
      return head + String.format(Locale.ROOT, "a = %.4g ± %.2g, b = %.4f ± %.4f, c = %.4f ± %.4f (%d points, rms "
          + "residual %.4f)", fit.a(), fit.aError(), fit.b(), fit.bError(), fit.c(), fit.cError(), fit.points(),
          fit.rmsResidual());
    }
  }

  static SweepReport write(SweepSettings sweep, List<PointResult> results) throws IOException {
    Path out = sweep.outDir();
    List<PointResult> finished = results.stream().filter(PointResult::finished).toList();
    List<Fitted> fits = new ArrayList<>();
    for (String loss : List.of("text", "image")) {
      ToDoubleFunction<PointResult> y = loss.equals("text") ? PointResult::heldoutText : PointResult::heldoutImage;
      fits.add(fit(finished, loss, "C", PointResult::flops, y));
      fits.add(fit(finished, loss, "N", r -> (double) r.parameters(), y));
    }
    AtomicFiles.writeString(out.resolve(CSV), csv(sweep, results));
    List<String> charts = SweepCharts.write(sweep, results, fits);
    AtomicFiles.writeString(out.resolve(MARKDOWN), markdown(sweep, results, fits, charts));
    StringBuilder summary = new StringBuilder();
    summary.append("sweep: ").append(finished.size()).append(" of ").append(results.size())
        .append(" points finished; ").append(out.resolve(MARKDOWN)).append(", ").append(out.resolve(CSV))
        .append(", charts: ").append(String.join(", ", charts)).append('\n');
    fits.forEach(f -> summary.append("  ").append(f.describe()).append('\n'));
    return new SweepReport(List.copyOf(fits), summary.toString());
  }

  private static Fitted fit(List<PointResult> finished, String loss, String variable,
      ToDoubleFunction<PointResult> x, ToDoubleFunction<PointResult> y) {
    long sizes = finished.stream().map(PointResult::parameters).distinct().count();
    if (sizes < MIN_SIZES) {
      return new Fitted(loss, variable, null, "no fit: it needs finished points of at least " + MIN_SIZES
          + " model sizes, the sweep has " + sizes);
    }
    try {
      return new Fitted(loss, variable, ScalingFit.fit(finished.stream().mapToDouble(x).toArray(),
          finished.stream().mapToDouble(y).toArray()), "");
    } catch (IllegalStateException e) {
      return new Fitted(loss, variable, null, "no fit: " + e.getMessage());
    }
  }

  /** The table's columns after the point and its axes: header → value of a result ("" when failed). */
  private static Map<String, Function<PointResult, String>> measures() {
    Map<String, Function<PointResult, String>> m = new LinkedHashMap<>();
    m.put("parameters", r -> r.parameters() == null ? "" : Long.toString(r.parameters()));
    m.put("trained tokens", r -> r.trainedTokens() == null ? "" : Long.toString(r.trainedTokens()));
    m.put("FLOPs (6·N·D)", r -> format("%.4g", r.flops()));
    m.put("train loss", r -> format("%.4f", r.trainLoss()));
    m.put("held-out text", r -> format("%.4f", r.heldoutText()));
    m.put("held-out image", r -> format("%.4f", r.heldoutImage()));
    m.put("wall (s)", r -> format("%.0f", r.wallSeconds()));
    m.put("tokens/s", r -> format("%.0f", r.tokensPerSecond()));
    m.put("status", PointResult::status);
    return m;
  }

  private static String format(String pattern, Double value) {
    return value == null ? "" : String.format(Locale.ROOT, pattern, value);
  }

  private static String csv(SweepSettings sweep, List<PointResult> results) {
    List<String> header = new ArrayList<>(List.of("point"));
    header.addAll(sweep.axes());
    header.addAll(List.of("parameters", "trained_tokens", "flops", "train_loss", "heldout_text_loss",
        "heldout_image_loss", "wall_seconds", "tokens_per_second", "status", "error"));
    StringBuilder s = new StringBuilder(String.join(",", header.stream().map(SweepReport::csvField).toList()));
    s.append('\n');
    for (PointResult r : results) {
      List<String> row = new ArrayList<>(List.of(r.name()));
      sweep.axes().forEach(a -> row.add(r.values().getOrDefault(a, "")));
      measures().values().forEach(m -> row.add(m.apply(r)));
      row.add(r.error());
      s.append(String.join(",", row.stream().map(SweepReport::csvField).toList())).append('\n');
    }
    return s.toString();
  }

  /** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
  private static String csvField(String value) {
    return value.matches("[^,\"\\r\\n]*") ? value : "\"" + value.replace("\"", "\"\"") + "\"";
  }

  private static String markdown(SweepSettings sweep, List<PointResult> results, List<Fitted> fits,
      List<String> charts) {
    StringBuilder s = new StringBuilder("# Sweep of " + sweep.recipe() + "\n\n");
    s.append(results.size()).append(" points; losses are cross-entropies in nats per target. Train loss: the last ")
        .append("logged step. Held-out: `./liquid evaluate` on the sweep's held-out data (sweep.evaluate). ")
        .append("Wall time: the run that finished the point.\n\n");
    List<String> header = new ArrayList<>(List.of("point"));
    header.addAll(sweep.axes());
    header.addAll(measures().keySet());
    s.append(row(header)).append(row(header.stream().map(h -> "---").toList()));
    for (PointResult r : results) {
      List<String> cells = new ArrayList<>(List.of(r.name()));
      sweep.axes().forEach(a -> cells.add(r.values().getOrDefault(a, "")));
      measures().values().forEach(m -> cells.add(m.apply(r)));
      if (!r.finished()) {
        cells.set(cells.size() - 1, "failed: " + r.error());
      }
      s.append(row(cells));
    }
    s.append("\n## Scaling fit\n\n");
    fits.forEach(f -> s.append("- ").append(f.describe()).append('\n'));
    s.append("\nC = 6·N·D is the training compute (FLOPs), N the parameters, D the trained tokens; ± is one "
        + "standard error from the fit's covariance.\n\n## Charts\n\n");
    charts.forEach(c -> s.append("![").append(c).append("](").append(c).append(")\n"));
    return s.toString();
  }

  private static String row(List<String> cells) {
    return "| " + String.join(" | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()) + " |\n";
  }
}
