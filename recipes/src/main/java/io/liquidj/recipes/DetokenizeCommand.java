package io.liquidj.recipes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;

/** {@code ./liquid detokenize <tokenizer> "[ids]"} prints the text of a JSON array of ids. */
final class DetokenizeCommand implements Command {
  private final TextTokenizers tokenizers;

  @Inject
  DetokenizeCommand(TextTokenizers tokenizers) {
    this.tokenizers = tokenizers;
  }

  @Override
  public String summary() {
    return "Print the text of a JSON array of token ids";
  }

  @Override
  public String usage() {
    return "<tokenizer-dir-or-file> \"[id, id, ...]\"";
  }

  @Override
  public int maxArguments() {
    return 2;
  }

  @Override
  public int run(Invocation invocation) {
    TextTokenizer tokenizer = tokenizers.load(Path.of(invocation.argument(0, "a tokenizer folder or tokenizer.json")));
    String arg = invocation.argument(1, "a JSON array of token ids, e.g. \"[128000, 9906]\"");
    int[] ids;
    try {
      ids = new ObjectMapper().readValue(arg, int[].class);
    } catch (IOException e) {
      throw new UserError("expected a JSON array of token ids such as \"[128000, 9906]\", found " + arg);
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
