package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The lines of a JSONL file (prompts, questions), read in order; blank lines are skipped. */
final class JsonLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonLines() {}

  /** What is done with one line: its 1-based number and its JSON. */
  @FunctionalInterface
  interface Action {
    void accept(int line, JsonNode json) throws IOException;
  }

  /** Parses each non-blank line of {@code file} and hands it to {@code action}, line by line. */
  static void forEach(Path file, Action action) throws IOException {
    int line = 0;
    for (String l : Files.readAllLines(file)) {
      line++;
      if (!l.isBlank()) {
        action.accept(line, JSON.readTree(l));
      }
    }
  }
}
