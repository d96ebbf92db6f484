package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's prompts and where each image goes, as the reference's
 * {@code evaluation/T2I_Eval/mjhq_generation.py} lays out MJHQ-30K: {@code <out>/<category>/<name>.png}.
 */
final class PromptFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PromptFile() {}

  /**
   * One prompt and its image's path under the output folder.
   *
   * @param name the file name without .png
   * @param category the sub-folder, or empty
   */
  record Entry(String name, String category, String prompt) {
    Path image(Path out) {
      return (category.isEmpty() ? out : out.resolve(category)).resolve(name + ".png");
    }
  }

  /** The entries of {@code file}: meta_data.json (.json), JSONL of {id, prompt} (.jsonl), else one prompt per line. */
  static List<Entry> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UserError("prompts=" + file + ": no such file");
    }
    String name = file.getFileName().toString();
    List<Entry> entries = new ArrayList<>();
    if (name.endsWith(".json")) {
      JsonNode root = JSON.readTree(file.toFile());
      if (root == null || !root.isObject()) {
        throw new UserError(file + ": expected an MJHQ meta_data.json object {name: {prompt, category}}");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        entries.add(new Entry(safe(file, e.getKey()), safe(file, e.getValue().path("category").asText("")),
            text(file, e.getKey(), e.getValue().path("prompt"))));
      }
    } else if (name.endsWith(".jsonl")) {
      JsonLines.forEach(file, (line, n) -> {
        if (n == null || !n.hasNonNull("id")) {
          throw new UserError(file + ":" + line + ": expected {\"id\": ..., \"prompt\": ...}");
        }
        entries.add(new Entry(safe(file, n.get("id").asText()), "", text(file, "line " + line, n.path("prompt"))));
      });
    } else {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        if (!lines.get(i).isBlank()) {
          entries.add(new Entry(String.format("%05d", i), "", lines.get(i).strip()));
        }
      }
    }
    return entries;
  }

  private static String text(Path file, String where, JsonNode prompt) {
    if (!prompt.isTextual()) {
      throw new UserError(file + ": " + where + " has no \"prompt\" text");
    }
    return prompt.asText();
  }

  /** A name or category used as a path part: no separators, not "." or "..". */
  private static String safe(Path file, String part) {
    if (part.contains("/") || part.contains("\\") || part.equals(".") || part.equals("..")) {
      throw new UserError(file + ": \"" + part + "\" cannot be a file or folder name");
    }
    return part;
  }
}
