package io.liquidj.recipes.tokenize;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;

/** {@code ./liquid detokenize <tokenizer> "[ids]"} prints the text of a JSON array of ids (sugar for {@code detokenize.*}). */
@CommandHelp(
    summary = "Print the text of a JSON array of token ids",
    examples = {"./liquid detokenize runs/demo/tokenizer \"[1, 97, 32]\""},
    configSections = {"detokenize", "tokenizer"})
public final class DetokenizeCommand implements LiquidCommand {
  private final TextTokenizers tokenizers;

  @Inject
  DetokenizeCommand(TextTokenizers tokenizers) {
    this.tokenizers = tokenizers;
  }

  @Override
  public String usage() {
    return "[conf-file] [key=value ...] | <tokenizer-dir-or-file> \"[id, id, ...]\"";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("detokenize.tokenizer", "detokenize.ids");
  }

  @Override
  public int maxArguments() {
    return Integer.MAX_VALUE;
  }

  @Override
  public int run(Invocation invocation) {
    TextTokenizer tokenizer = tokenizers.load(Path.of(invocation.required("detokenize.tokenizer",
        "a tokenizer folder or tokenizer.json")));
    int[] ids;
    try {
      ids = invocation.config().getIntList("detokenize.ids").stream().mapToInt(Integer::intValue).toArray();
    } catch (ConfigException.WrongType e) {
      throw new UserError("detokenize.ids: expected a list of token ids such as \"[128000, 9906]\", found "
          + invocation.config().getValue("detokenize.ids").render(ConfigRenderOptions.concise()));
    }
    if (ids.length == 0) {
      throw new UserError("missing detokenize.ids: expected a list of token ids such as \"[128000, 9906]\" "
          + "(give detokenize.ids=[...] or the positional words)");
    }
    for (int id : ids) {
      if (id < 0 || id >= tokenizer.size()) {
        throw new UserError("token id " + id + " is outside the tokenizer's " + tokenizer.size() + " ids");
      }
    }
    invocation.out().println(tokenizer.decode(ids, false));
    return 0;
  }
}
