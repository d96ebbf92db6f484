package io.liquidj.recipes;

import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code ./liquid backbones}: lists the registered backbone families (Hugging Face model_type), one a line, then
 * the named shapes ({@code backbone=<name>}) with their first comment line.
 */
@CommandHelp(
    summary = "List the registered backbone families (Hugging Face model_type)",
    examples = {"./liquid backbones"})
final class BackbonesCommand implements LiquidCommand {
  private final Map<String, BackboneFactory> factories;

  @Inject
  BackbonesCommand(Map<String, BackboneFactory> factories) {
    this.factories = factories;
  }

  /** The summary ends with the families this build registers: {@code ...: [gemma, gemma2, llama, qwen2]}. */
  @Override
  public String summary() {
    return LiquidCommand.super.summary() + ": " + new TreeSet<>(factories.keySet());
  }

  @Override
  public String usage() {
    return "";
  }

  @Override
  public int run(Invocation invocation) {
    new TreeSet<>(factories.keySet()).forEach(invocation.out()::println);
    invocation.out().println();
    invocation.out().println("named shapes (backbone=<name>):");
    ShippedConfs.print(ShippedConfs.list(ShippedConfs.SHAPES), invocation.out());
    return 0;
  }
}
