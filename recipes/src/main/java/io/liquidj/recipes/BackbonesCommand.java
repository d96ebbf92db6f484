package io.liquidj.recipes;

import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.TreeSet;
import java.util.List;

/**
 * {@code ./liquid backbones}: lists the registered backbone families (Hugging Face model_type), one a line, then
 * the named shapes ({@code backbone=<name>}) with their first comment line.
 */
final class BackbonesCommand implements LiquidCommand {
  private final Map<String, BackboneFactory> factories;

  @Inject
  BackbonesCommand(Map<String, BackboneFactory> factories) {
    this.factories = factories;
  }

  @Override
  public List<String> examples() {
    return List.of("./liquid backbones");
  }

  @Override
  public String summary() {
    return "List the registered backbone families (Hugging Face model_type): " + new TreeSet<>(factories.keySet());
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
