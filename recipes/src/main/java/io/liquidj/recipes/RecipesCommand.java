package io.liquidj.recipes;

import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./liquid recipes} lists the shipped recipes and named shapes with their first comment line;
 * {@code ./liquid recipes copy <name> <file>} writes one out to edit (as torchtune's {@code tune ls} / {@code tune cp}).
 */
@CommandHelp(
    summary = "List the shipped recipes and named shapes; `recipes copy <name> <file>` writes one out to edit",
    examples = {"./liquid recipes",
        "./liquid recipes copy demo-train my-train.conf"})
final class RecipesCommand implements LiquidCommand {
  @Inject
  RecipesCommand() {}

  @Override
  public String usage() {
    return "[copy <name> <file>]";
  }

  @Override
  public int maxArguments() {
    return 3;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    if (invocation.arguments().isEmpty()) {
      PrintStream out = invocation.out();
      out.println("recipes (`./liquid recipes copy <name> <file>` writes one out to edit):");
      ShippedConfs.print(ShippedConfs.list(ShippedConfs.RECIPES), out);
      out.println();
      out.println("named shapes (backbone=<name>):");
      ShippedConfs.print(ShippedConfs.list(ShippedConfs.SHAPES), out);
      return 0;
    }
    if (!invocation.arguments().get(0).equals("copy") || invocation.arguments().size() != 3) {
      throw new UserError("expected `recipes` or `recipes copy <name> <file>`, found `recipes "
          + String.join(" ", invocation.arguments()) + "`");
    }
    String name = invocation.arguments().get(1).replaceFirst("\\.conf$", "");
    Path file = Path.of(invocation.arguments().get(2));
    String text = ShippedConfs.read(ShippedConfs.RECIPES, name);
    if (text == null) {
      text = ShippedConfs.read(ShippedConfs.SHAPES, name);
    }
    if (text == null) {
      throw new UserError("no shipped recipe or named shape \"" + name + "\"; shipped: "
          + String.join(", ", ShippedConfs.list(ShippedConfs.RECIPES).keySet()) + "; shapes: "
          + String.join(", ", ShippedConfs.list(ShippedConfs.SHAPES).keySet()));
    }
    if (Files.exists(file)) {
      throw new UserError(file + " already exists: choose another file name (recipes copy never overwrites)");
    }
    Files.writeString(file, text);
    invocation.out().println("wrote " + file + " (from " + name + ")");
    return 0;
  }
}
