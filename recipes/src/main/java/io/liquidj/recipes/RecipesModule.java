package io.liquidj.recipes;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.recipes.data.BenchDataCommand;
import io.liquidj.recipes.data.PrepareRecipe;
import io.liquidj.recipes.data.ShowDataCommand;
import io.liquidj.recipes.evaluate.EvaluateRecipe;
import io.liquidj.recipes.evaluate.LogitsCommand;
import io.liquidj.recipes.model.LiquidModels;
import io.liquidj.recipes.tokenize.BenchTokenizeCommand;
import io.liquidj.recipes.tokenize.BenchVqCommand;
import io.liquidj.recipes.tokenize.DetokenizeCommand;
import io.liquidj.recipes.tokenize.TokenizeCommand;
import io.liquidj.recipes.tokenize.TrainTokenizerCommand;
import io.liquidj.recipes.tokenize.TrainVqRecipe;
import io.liquidj.recipes.tokenize.VqCommand;
import io.liquidj.recipes.train.BenchLoadCommand;
import io.liquidj.recipes.train.BenchTrainCommand;
import io.liquidj.recipes.train.ExportHfCommand;
import io.liquidj.recipes.train.PlanMemoryCommand;
import io.liquidj.recipes.train.TrainRecipe;

/** Registers the commands of {@code ./liquid}, by name. */
public final class RecipesModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(LiquidModels.class);
    MapBinder<String, LiquidCommand> commands = MapBinder.newMapBinder(binder(), String.class, LiquidCommand.class);
    commands.addBinding("backbones").to(BackbonesCommand.class);
    commands.addBinding("recipes").to(RecipesCommand.class);
    commands.addBinding("tokenize").to(TokenizeCommand.class);
    commands.addBinding("detokenize").to(DetokenizeCommand.class);
    commands.addBinding("bench-tokenize").to(BenchTokenizeCommand.class);
    commands.addBinding("train").to(TrainRecipe.class);
    commands.addBinding("export-hf").to(ExportHfCommand.class);
    commands.addBinding("bench-train").to(BenchTrainCommand.class);
    commands.addBinding("plan-memory").to(PlanMemoryCommand.class);
    commands.addBinding("train-tokenizer").to(TrainTokenizerCommand.class);
    commands.addBinding("demo").to(io.liquidj.recipes.demo.DemoRecipe.class);
    commands.addBinding("demo-report").to(io.liquidj.recipes.demo.DemoReportRecipe.class);
    commands.addBinding("demo-data").to(io.liquidj.recipes.demo.DemoDataRecipe.class);
    commands.addBinding("prepare").to(PrepareRecipe.class);
    commands.addBinding("bench-data").to(BenchDataCommand.class);
    commands.addBinding("show-data").to(ShowDataCommand.class);
    commands.addBinding("evaluate").to(EvaluateRecipe.class);
    commands.addBinding("logits").to(LogitsCommand.class);
    commands.addBinding("bench-load").to(BenchLoadCommand.class);
    commands.addBinding("vq").to(VqCommand.class);
    commands.addBinding("bench-vq").to(BenchVqCommand.class);
    commands.addBinding("train-vq").to(TrainVqRecipe.class);
    commands.addBinding("generate").to(io.liquidj.recipes.generate.GenerateRecipe.class);
    commands.addBinding("answer").to(io.liquidj.recipes.generate.AnswerRecipe.class);
    commands.addBinding("export").to(io.liquidj.recipes.generate.ExportRecipe.class);
    commands.addBinding("request").to(io.liquidj.recipes.generate.RequestCommand.class);
    commands.addBinding("sweep").to(io.liquidj.recipes.sweep.SweepRecipe.class);
    commands.addBinding("bench-generate").to(io.liquidj.recipes.generate.BenchGenerateCommand.class);
  }
}
