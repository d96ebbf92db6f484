package io.liquidj.recipes;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.recipes.data.BenchDataCommand;
import io.liquidj.recipes.data.PrepareRecipe;
import io.liquidj.recipes.data.ShowDataCommand;
import io.liquidj.recipes.demo.DemoDataRecipe;
import io.liquidj.recipes.demo.DemoRecipe;
import io.liquidj.recipes.demo.DemoReportRecipe;
import io.liquidj.recipes.evaluate.EvaluateRecipe;
import io.liquidj.recipes.evaluate.LogitsCommand;
import io.liquidj.recipes.generate.AnswerRecipe;
import io.liquidj.recipes.generate.BenchGenerateCommand;
import io.liquidj.recipes.generate.ExportRecipe;
import io.liquidj.recipes.generate.GenerateRecipe;
import io.liquidj.recipes.generate.RequestCommand;
import io.liquidj.recipes.model.LiquidModels;
import io.liquidj.recipes.sweep.SweepRecipe;
import io.liquidj.recipes.tokenize.BenchTokenizeCommand;
import io.liquidj.recipes.tokenize.BenchVqCommand;
import io.liquidj.recipes.tokenize.DetokenizeCommand;
import io.liquidj.recipes.tokenize.TokenizeCommand;
import io.liquidj.recipes.tokenize.TrainTokenizerCommand;
import io.liquidj.recipes.tokenize.TrainPatchVqRecipe;
import io.liquidj.recipes.tokenize.TrainVqRecipe;
import io.liquidj.recipes.tokenize.VqCommand;
import io.liquidj.recipes.train.BenchLoadCommand;
import io.liquidj.recipes.train.BenchTrainCommand;
import io.liquidj.recipes.train.ExportHfCommand;
import io.liquidj.recipes.train.PlanMemoryCommand;
import io.liquidj.recipes.train.TrainRecipe;

/** Registers the commands of {@code ./liquid}, by name, in pipeline order (one package per stage). */
public final class RecipesModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(LiquidModels.class);
    MapBinder<String, LiquidCommand> commands = MapBinder.newMapBinder(binder(), String.class, LiquidCommand.class);
    commands.addBinding("backbones").to(BackbonesCommand.class);
    commands.addBinding("recipes").to(RecipesCommand.class);
    // tokenize/
    commands.addBinding("tokenize").to(TokenizeCommand.class);
    commands.addBinding("detokenize").to(DetokenizeCommand.class);
    commands.addBinding("train-tokenizer").to(TrainTokenizerCommand.class);
    commands.addBinding("bench-tokenize").to(BenchTokenizeCommand.class);
    commands.addBinding("vq").to(VqCommand.class);
    commands.addBinding("train-vq").to(TrainVqRecipe.class);
    commands.addBinding("train-patch-vq").to(TrainPatchVqRecipe.class);
    commands.addBinding("bench-vq").to(BenchVqCommand.class);
    // data/
    commands.addBinding("prepare").to(PrepareRecipe.class);
    commands.addBinding("show-data").to(ShowDataCommand.class);
    commands.addBinding("bench-data").to(BenchDataCommand.class);
    // train/
    commands.addBinding("train").to(TrainRecipe.class);
    commands.addBinding("plan-memory").to(PlanMemoryCommand.class);
    commands.addBinding("export-hf").to(ExportHfCommand.class);
    commands.addBinding("bench-train").to(BenchTrainCommand.class);
    commands.addBinding("bench-load").to(BenchLoadCommand.class);
    // evaluate/
    commands.addBinding("evaluate").to(EvaluateRecipe.class);
    commands.addBinding("logits").to(LogitsCommand.class);
    // generate/
    commands.addBinding("generate").to(GenerateRecipe.class);
    commands.addBinding("answer").to(AnswerRecipe.class);
    commands.addBinding("export").to(ExportRecipe.class);
    commands.addBinding("request").to(RequestCommand.class);
    commands.addBinding("bench-generate").to(BenchGenerateCommand.class);
    // sweep/, demo/
    commands.addBinding("sweep").to(SweepRecipe.class);
    commands.addBinding("demo").to(DemoRecipe.class);
    commands.addBinding("demo-data").to(DemoDataRecipe.class);
    commands.addBinding("demo-report").to(DemoReportRecipe.class);
  }
}
