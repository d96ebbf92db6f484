package io.liquidj.recipes.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Provider;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.train.TrainerSettings;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ./liquid sweep conf/sweeps/demo-backbones.conf}: one base recipe trained and evaluated at every
 * point of a grid (or list) of configuration values, then one table, charts and the scaling fit.
 *
 * <p>Each point, one at a time, in {@code <output-dir>/<point>/}: its resolved configuration → {@code train}
 * ({@code train/}, resuming from its newest checkpoint) → {@code evaluate} on the sweep's held-out data
 * ({@code evaluate/}) → {@code result.json}. The commands' output goes to the point's {@code log.txt}. A
 * finished point is skipped on a rerun; a failed one is recorded with its error, the sweep goes on, and a
 * rerun tries it again. Then {@link SweepReport} writes results.csv, results.md and the charts.
 */
@CommandHelp(
    summary = "Train and evaluate a recipe over a grid of settings (ablations): results table, charts, scaling fit",
    examples = {"./liquid sweep conf/sweeps/demo-backbones.conf"},
    configSections = {"sweep"})
public final class SweepRecipe implements LiquidCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Provider<LiquidCommand>> commands;
  private final Backbones backbones;

  @Inject
  SweepRecipe(Map<String, Provider<LiquidCommand>> commands, Backbones backbones) {
    this.commands = commands;
    this.backbones = backbones;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    SweepSettings sweep = SweepSettings.from(invocation.config());
    PrintStream out = invocation.out();
    Files.createDirectories(sweep.outDir());
    RecipeConfig.saveResolved(invocation.config(), sweep.outDir());
    out.printf("sweep: %d points of %s into %s%n", sweep.points().size(), sweep.recipe(), sweep.outDir());
    List<PointResult> results = new ArrayList<>();
    for (int i = 0; i < sweep.points().size(); i++) {
      SweepPoint point = sweep.points().get(i);
      String label = String.format(Locale.ROOT, "sweep %d/%d %s", i + 1, sweep.points().size(), point.name());
      Path dir = sweep.outDir().resolve(point.name());
      Optional<PointResult> earlier = PointResult.read(dir);
      if (earlier.isPresent() && earlier.get().finished()) {
        out.println(label + ": finished earlier, skipped");
        results.add(earlier.get());
        continue;
      }
      out.println(label + ": training (log: " + dir.resolve("log.txt") + ")");
      PointResult result = runPoint(sweep, point, dir);
      result.write(dir);
      results.add(result);
      out.println(label + ": " + (result.finished()
          ? String.format(Locale.ROOT, "finished in %.0f s: train loss %.4f, held-out text %.4f, image %.4f",
              result.wallSeconds(), result.trainLoss(), result.heldoutText(), result.heldoutImage())
          : "FAILED: " + result.error()));
    }
    SweepReport report = SweepReport.write(sweep, results);
    out.print(report.summary());
    long failed = results.stream().filter(r -> !r.finished()).count();
    if (failed > 0) {
      out.printf("sweep: %d of %d points failed (their errors are in results.md; a rerun retries them)%n", failed,
          results.size());
      return 1;
    }
    return 0;
  }

  /** Trains and evaluates one point; any failure is caught and becomes the point's recorded error. */
  private PointResult runPoint(SweepSettings sweep, SweepPoint point, Path dir) throws Exception {
    Files.createDirectories(dir);
    long start = System.nanoTime();
    try (PrintStream log = new PrintStream(Files.newOutputStream(dir.resolve("log.txt"), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
      try {
        Path train = dir.resolve("train");
        Config trainConfig = load(sweep, List.of("trainer.output-dir=" + train, "trainer.resume=true",
            "trainer.progress-bar=false"), List.of(), point);
        RecipeConfig.saveResolved(trainConfig, dir);
        stage("train", trainConfig, log);
        Path evaluate = dir.resolve("evaluate");
        Config evaluateConfig = load(sweep, List.of("checkpoint=" + train.resolve("model"),
            "evaluate.output-dir=" + evaluate), sweep.evaluate(), point);
        stage("evaluate", evaluateConfig, log);
        return measure(point, trainConfig, train, evaluate, (System.nanoTime() - start) / 1e9);
      } catch (Exception e) {
        e.printStackTrace(log);
        return PointResult.failed(point, oneLine(e), (System.nanoTime() - start) / 1e9);
      }
    }
  }

  /**
   * A stage's configuration at a point: the base recipe under, in order of precedence, the keys the sweep
   * manages (output folders), the stage's own (sweep.evaluate), the point's, and the sweep file's. The last
   * occurrence of a key wins, so the list runs from the weakest to the strongest.
   */
  static Config load(SweepSettings sweep, List<String> managed, List<String> stage, SweepPoint point) {
    List<String> overrides = new ArrayList<>(sweep.common());
    overrides.addAll(point.overrides());
    overrides.addAll(stage);
    overrides.addAll(managed);
    return RecipeConfig.load(Optional.of(sweep.recipe()), overrides, SweepRecipe.class.getClassLoader());
  }

  private void stage(String name, Config config, PrintStream log) throws Exception {
    log.println("== ./liquid " + name);
    int code = commands.get(name).get().run(new Invocation(config, List.of(), Set.of(), List.of(), log));
    if (code != 0) {
      throw new IllegalStateException(name + " exited with code " + code + " (see log.txt)");
    }
  }

  private PointResult measure(SweepPoint point, Config trainConfig, Path train, Path evaluate, double seconds)
      throws Exception {
    TrainerSettings trainer = TrainerSettings.from(trainConfig.getConfig("trainer"));
    ModelConfig model = ModelConfig.read(train.resolve("model"));
    long parameters = backbones.create(model, Precision.F32).parameters().stream().mapToLong(ParameterSpec::size).sum();
    long tokens = (long) trainer.steps() * trainer.batchSize() * trainer.seqLen() * trainer.gradAccum();
    TrainingCurves curves = TrainingCurves.read(train.resolve("tensorboard"));
    NavigableMap<Long, Double> loss = curves.crossEntropy();
    if (loss.isEmpty()) {
      throw new IllegalStateException(train.resolve("tensorboard") + " holds no train/loss scalars");
    }
    double[] throughput = curves.curve("train/tokens_per_second").values().stream().mapToDouble(Double::doubleValue)
        .sorted().toArray();
    JsonNode evaluation = JSON.readTree(evaluate.resolve("evaluation.json").toFile());
    List<PointResult.CurvePoint> curve = loss.entrySet().stream()
        .map(e -> new PointResult.CurvePoint(e.getKey(), e.getValue())).toList();
    return new PointResult(point.name(), PointResult.displayed(point), PointResult.FINISHED, "", parameters, tokens,
        6.0 * parameters * tokens, loss.lastEntry().getValue(), evaluation.get("text-cross-entropy").asDouble(),
        evaluation.get("image-cross-entropy").asDouble(), seconds,
        throughput.length == 0 ? null : throughput[throughput.length / 2], curve);
  }

  /** The failure as the table shows it: a user error's own message, anything else with its type. */
  private static String oneLine(Throwable e) {
    Throwable user = e;
    while (user != null && !(user instanceof UserError || user instanceof ConfigException)) {
      user = user.getCause();
    }
    String message = user != null ? user.getMessage() : e.toString();
    return message.replaceAll("\\s*\\R\\s*", " ").trim();
  }
}
