package io.liquidj.recipes.sweep;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The sweep's charts as PNG files (JFreeChart, drawn off-screen): the training-loss curves of all points,
 * held-out loss against compute on log–log axes with the fitted curves, and one bar chart of the held-out
 * losses per categorical axis and per point.
 */
final class SweepCharts {
  static final String CURVES = "loss-curves.png";
  static final String COMPUTE = "heldout-vs-compute.png";
  static final String BY_POINT = "heldout-by-point.png";
  private static final int WIDTH = 900;
  private static final int HEIGHT = 560;

  private SweepCharts() {}

  /** Writes the charts into {@code sweep.output-dir}; returns their file names. */
  static List<String> write(SweepSettings sweep, List<PointResult> results, List<SweepReport.Fitted> fits)
      throws IOException {
    List<PointResult> finished = results.stream().filter(PointResult::finished).toList();
    List<String> files = new ArrayList<>();
    save(lossCurves(finished), sweep.outDir(), CURVES, files);
    save(heldoutVsCompute(finished, fits), sweep.outDir(), COMPUTE, files);
    for (String axis : sweep.axes()) {
      if (sweep.categorical(axis)) {
        Map<String, List<PointResult>> groups = new LinkedHashMap<>();
        sweep.points().forEach(p -> groups.putIfAbsent(p.display(axis), new ArrayList<>()));
        finished.forEach(r -> groups.get(r.values().get(axis)).add(r));
        save(bars("Held-out loss by " + axis + " (mean over the other axes)", axis, groups), sweep.outDir(),
            "heldout-by-" + axis.replaceAll("[^A-Za-z0-9.-]", "-") + ".png", files);
      }
    }
    Map<String, List<PointResult>> byPoint = new LinkedHashMap<>();
    finished.forEach(r -> byPoint.put(r.name(), List.of(r)));
    save(bars("Held-out loss by point", "point", byPoint), sweep.outDir(), BY_POINT, files);
    return files;
  }

  private static void save(JFreeChart chart, Path dir, String name, List<String> files) throws IOException {
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, WIDTH, HEIGHT);
    files.add(name);
  }

  private static JFreeChart lossCurves(List<PointResult> finished) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (PointResult r : finished) {
      XYSeries series = new XYSeries(r.name());
      r.curve().forEach(p -> series.add(p.step(), p.loss()));
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Training loss", "step", "cross-entropy (nats)", data,
        PlotOrientation.VERTICAL, true, false, false);
    lines(chart.getXYPlot(), data.getSeriesCount());
    return chart;
  }

  /** Held-out text and image loss against C (points), with each L(C) fit drawn over the points' range. */
  private static JFreeChart heldoutVsCompute(List<PointResult> finished, List<SweepReport.Fitted> fits) {
    XYSeriesCollection data = new XYSeriesCollection();
    List<Boolean> isFit = new ArrayList<>();
    List<Color> colours = new ArrayList<>();
    for (String loss : List.of("text", "image")) {
      Color colour = loss.equals("text") ? new Color(0x1f77b4) : new Color(0xd62728);
      ToDoubleFunction<PointResult> y = loss.equals("text") ? PointResult::heldoutText : PointResult::heldoutImage;
      XYSeries points = new XYSeries("held-out " + loss);
      finished.forEach(r -> points.add(r.flops(), Double.valueOf(y.applyAsDouble(r))));
      data.addSeries(points);
      isFit.add(false);
      colours.add(colour);
      fits.stream().filter(f -> f.loss().equals(loss) && f.variable().equals("C") && f.fit() != null)
          .findFirst().ifPresent(f -> {
            XYSeries curve = new XYSeries(String.format(java.util.Locale.ROOT,
                "fit %s: %.3g·C^(−%.3f) + %.3f", loss, f.fit().a(), f.fit().b(), f.fit().c()));
            double lo = Math.log(points.getMinX());
            double hi = Math.log(points.getMaxX());
            for (int i = 0; i <= 50; i++) {
              double c = Math.exp(lo + (hi - lo) * i / 50);
              curve.add(c, f.fit().at(c));
            }
            data.addSeries(curve);
            isFit.add(true);
            colours.add(colour);
          });
    }
    JFreeChart chart = ChartFactory.createScatterPlot("Held-out loss against training compute", "C = 6·N·D (FLOPs)",
        "held-out cross-entropy (nats)", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setDomainAxis(logAxis("C = 6·N·D (FLOPs)", data.getDomainLowerBound(false), data.getDomainUpperBound(false),
        "0.#E0"));
    plot.setRangeAxis(logAxis("held-out cross-entropy (nats)", data.getRangeLowerBound(false),
        data.getRangeUpperBound(false), "0.00"));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
    for (int i = 0; i < isFit.size(); i++) {
      renderer.setSeriesLinesVisible(i, isFit.get(i));
      renderer.setSeriesShapesVisible(i, !isFit.get(i));
      renderer.setSeriesStroke(i, new BasicStroke(2f));
      renderer.setSeriesPaint(i, colours.get(i));
    }
    plot.setRenderer(renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return chart;
  }

  /**
   * A base-10 log axis over [lo, hi] with a margin; its range is set, not found by JFreeChart, which
   * refuses a single value (one point) or no data at all (every point failed).
   */
  private static LogAxis logAxis(String label, double lo, double hi, String tickFormat) {
    LogAxis axis = new LogAxis(label);
    axis.setNumberFormatOverride(new java.text.DecimalFormat(tickFormat,
        java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT)));
    if (!(lo > 0 && hi >= lo)) {
      lo = 1;
      hi = 10;
    }
    axis.setRange(lo / 1.5, hi * 1.5);
    return axis;
  }

  /** Mean held-out text and image loss of each group's finished points. */
  private static JFreeChart bars(String title, String axis, Map<String, List<PointResult>> groups) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    groups.forEach((value, members) -> {
      if (!members.isEmpty()) {
        data.addValue(members.stream().mapToDouble(PointResult::heldoutText).average().orElseThrow(), "text", value);
        data.addValue(members.stream().mapToDouble(PointResult::heldoutImage).average().orElseThrow(), "image", value);
      }
    });
    JFreeChart chart = ChartFactory.createBarChart(title, axis, "held-out cross-entropy (nats)", data,
        PlotOrientation.VERTICAL, true, false, false);
    chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
    chart.getCategoryPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
    chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(
        org.jfree.chart.axis.CategoryLabelPositions.UP_45);
    return chart;
  }

  private static void lines(XYPlot plot, int series) {
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series; i++) {
      renderer.setSeriesStroke(i, new BasicStroke(1.5f));
    }
    plot.setRenderer(renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
  }
}
