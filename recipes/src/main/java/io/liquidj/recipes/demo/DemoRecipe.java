package io.liquidj.recipes.demo;

import com.google.inject.Provider;
import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.RecipeConfig;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ./liquid demo}: the whole Liquid pipeline on a tiny synthetic task, on CPU, with no
 * downloads. Each stage is an ordinary command run with its own recipe file under {@code
 * conf/recipes/} (shown as it runs), so any stage can be rerun, changed or swapped for real data,
 * a real VQGAN or a real backbone:
 *
 * <ol>
 *   <li>{@code demo-data}: synthetic shapes (image–caption pairs), a text corpus, held-out scenes;
 *   <li>{@code train-patch-vq conf/recipes/demo-vq.conf}: a patch VQ image tokenizer (k-means over 4×4 patches);
 *   <li>{@code train-tokenizer}: a small byte-level BPE on the captions and texts;
 *   <li>{@code prepare conf/recipes/demo-prepare.conf}: captions and images to token shards;
 *   <li>{@code train conf/recipes/demo-train.conf}: a small Llama-shaped model, vocabulary extended;
 *   <li>{@code demo-report conf/recipes/demo-report.conf}: images for held-out prompts (CFG), captions
 *       for held-out images, judged by a pixel classifier, written to {@code report.md};
 *   <li>{@code export conf/recipes/demo-export.conf}: the SavedModel.
 * </ol>
 */
@CommandHelp(
    summary = "Run the whole pipeline on a tiny synthetic task on CPU: data, VQ, BPE, prepare, train, generate, judge, export",
    examples = {"./liquid demo",
        "./liquid demo demo.output-dir=/tmp/demo demo.stages=[demo-data,train-patch-vq]"},
    configSections = {"demo"})
public final class DemoRecipe implements LiquidCommand {
  private final Map<String, Provider<LiquidCommand>> commands;

  @Inject
  DemoRecipe(Map<String, Provider<LiquidCommand>> commands) {
    this.commands = commands;
  }

  /** One stage: a command, its recipe file (or none), its own key=value overrides. */
  record Stage(String command, String confFile, List<String> overrides) {}

  /** The stages, in order, for an output folder. */
  static List<Stage> stages(Path outDir, int vocabSize) {
    String out = outDir.toString();
    return List.of(
        new Stage("demo-data", null, List.of()),
        new Stage("train-patch-vq", "demo-vq.conf", List.of()),
        new Stage("train-tokenizer", null, List.of("train-tokenizer.output-dir=" + out + "/tokenizer",
            "train-tokenizer.vocab-size=" + vocabSize, "train-tokenizer.inputs=[\"" + out + "/data/pairs.jsonl\", \""
                + out + "/data/text.jsonl\", \"" + out + "/data/templates.jsonl\"]")),
        new Stage("prepare", "demo-prepare.conf", List.of()),
        new Stage("train", "demo-train.conf", List.of()),
        new Stage("demo-report", "demo-report.conf", List.of()),
        new Stage("export", "demo-export.conf", List.of()));
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Config config = invocation.config();
    Path outDir = Path.of(config.getString("demo.output-dir"));
    Path confDir = Path.of(config.getString("demo.conf-dir"));
    int vocabSize = config.getInt("demo.tokenizer-vocab-size");
    Set<String> only = Set.copyOf(config.getStringList("demo.stages"));
    // Every demo.* value the user set is passed on, so `./liquid demo demo.output-dir=/tmp/x` moves every stage.
    List<String> overrides = new ArrayList<>();
    config.getConfig("demo").entrySet().forEach(e ->
        overrides.add("demo." + e.getKey() + "=" + e.getValue().render(com.typesafe.config.ConfigRenderOptions.concise())));
    overrides.addAll(config.getStringList("demo.stage-overrides"));
    long start = System.nanoTime();
    List<Stage> stages = stages(outDir, vocabSize);
    for (int i = 0; i < stages.size(); i++) {
      Stage stage = stages.get(i);
      if (!only.isEmpty() && !only.contains(stage.command())) {
        continue;
      }
      Optional<Path> conf = Optional.ofNullable(stage.confFile()).map(confDir::resolve);
      if (conf.isPresent() && !Files.isRegularFile(conf.get())) {
        throw new UserError("demo stage " + stage.command() + " needs " + conf.get()
            + " (run ./liquid demo from the project root, or set demo.conf-dir)");
      }
      invocation.out().printf("%n== demo %d/%d: ./liquid %s%s%s%n", i + 1, stages.size(), stage.command(),
          conf.map(p -> " " + p).orElse(""), stage.overrides().isEmpty() ? "" : " " + String.join(" ", stage.overrides()));
      List<String> stageOverrides = new ArrayList<>(stage.overrides());
      stageOverrides.addAll(overrides);
      Config stageConfig = RecipeConfig.load(conf, stageOverrides, DemoRecipe.class.getClassLoader());
      Provider<LiquidCommand> command = commands.get(stage.command());
      if (command == null) {
        throw new IllegalStateException("demo stage " + stage.command() + " is not a registered command");
      }
      long t0 = System.nanoTime();
      int code = command.get().run(new Invocation(stageConfig, List.of(), Set.of(), List.of(), invocation.out()));
      invocation.out().printf("== demo %d/%d: %s done in %.0f s%n", i + 1, stages.size(), stage.command(),
          (System.nanoTime() - t0) / 1e9);
      if (code != 0) {
        return code;
      }
    }
    invocation.out().printf("%ndemo: finished in %.1f min; report: %s%n", (System.nanoTime() - start) / 60e9,
        outDir.resolve("report.md"));
    return 0;
  }
}
