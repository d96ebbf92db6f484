package io.liquidj.framework.cli;

import com.google.inject.Provider;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.liquidj.framework.config.RecipeConfig;
import java.util.Map;

/** The text of {@code ./liquid --help} and {@code ./liquid <command> --help}. */
final class HelpText {
  private HelpText() {}

  static String overview(Map<String, Provider<LiquidCommand>> commands) {
    StringBuilder b = new StringBuilder();
    b.append("Usage: ./liquid <command> [conf-file] [key=value ...] [--debug] [--print-config]\n\n");
    b.append("Liquid-style multimodal language models on TensorFlow Java.\n\nCommands:\n");
    int width = commands.keySet().stream().mapToInt(String::length).max().orElse(8) + 2;
    commands.forEach((name, c) -> b.append("  ").append(pad(name, width)).append(c.get().summary()).append('\n'));
    b.append("\nSeveral processes: ./liquid launch --workers N <command> [conf-file] [key=value ...] starts N workers\n");
    b.append("of a command on this host, like torchrun (./liquid launch --help).\n");
    b.append("\nRun ./liquid <command> --help for its arguments and configuration keys.\n");
    b.append("Overrides use HOCON paths: ./liquid train conf/recipes/demo-train.conf trainer.steps=10\n");
    b.append("A word key=value is an override when key is a known key (any value, e.g. prompt=\"a red cat\"),\n");
    b.append("or a dotted path with a value without spaces (a misspelt key is then an error); any other\n");
    b.append("word, such as \"x=1\" or \"x=1 is text\", is a positional argument.\n");
    b.append("A command's positional words are sugar for its keys (its --help names them); a word and its key\n");
    b.append("both given is an error.\n");
    b.append("Of a key given twice, the last value wins. A positional argument, flag or second conf-file that the\n");
    b.append("command does not take is an error.\n");
    return b.toString();
  }

  static String forCommand(String name, LiquidCommand command, Config defaults) {
    StringBuilder b = new StringBuilder();
    b.append("Usage: ./liquid ").append(name).append(' ').append(command.usage()).append("\n\n");
    b.append(command.summary()).append("\n");
    if (!command.positionalKeys().isEmpty()) {
      b.append("\nThe positional words stand for ").append(String.join(", ", command.positionalKeys()))
          .append(", in order.\n");
    }
    if (!command.examples().isEmpty()) {
      b.append("\nExamples:\n");
      command.examples().forEach(e -> b.append("  ").append(e).append('\n'));
    }
    for (String section : command.configSections()) {
      Map<String, ConfigValue> keys = LiquidCli.keysUnder(defaults, section);
      if (keys.isEmpty()) {
        continue;
      }
      if (keys.size() > 1 || !keys.containsKey(section)) {
        b.append("\n").append(section).append(":\n");
      }
      keys.forEach((key, value) -> {
        b.append("  ").append(key).append(" = ").append(value.render(ConfigRenderOptions.concise().setJson(false)));
        var comments = RecipeConfig.referenceComments(key, HelpText.class.getClassLoader());
        if (!comments.isEmpty()) {
          b.append("\n      ").append(String.join(" ", comments).trim());
        }
        b.append('\n');
      });
    }
    return b.toString();
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }
}
