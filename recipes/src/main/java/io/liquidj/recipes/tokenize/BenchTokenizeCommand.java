package io.liquidj.recipes.tokenize;

import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@code ./liquid bench-tokenize <tokenizer>}: encode throughput on one core, in MB of UTF-8 input
 * per second, on generated English and mixed-script paragraphs (about 4 MB each, encoded one
 * paragraph at a time, a warm-up pass first).
 */
@CommandHelp(
    summary = "Measure text encode throughput (MB/s, one core) on English and mixed-script text",
    examples = {"./liquid bench-tokenize runs/demo/tokenizer"},
    configSections = {"bench-tokenize", "tokenizer"})
public final class BenchTokenizeCommand implements LiquidCommand {
  private static final int PARAGRAPHS = 10_000;
  private static final String[] ENGLISH = (
      "the of and to a in is it you that he was for on are with as I his they be at one have this from or had by "
      + "hot word but what some we can out other were all there when up use your how said an each she which do "
      + "their time if will way about many then them write would like so these her long make thing see him two "
      + "image picture model training generated colorful background small large circle square red blue green "
      + "language tokenizer sequence photograph mountain river city people walking street morning evening light")
      .split(" ");
  private static final String[] OTHER_SCRIPTS = {
    "привет мир, как дела?", "مرحبا بالعالم", "γειά σου κόσμε", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก",
    "Grüße aus Köln, ça va?", "naïve café résumé"
  };

  private final TextTokenizers tokenizers;

  @Inject
  BenchTokenizeCommand(TextTokenizers tokenizers) {
    this.tokenizers = tokenizers;
  }

  @Override
  public String usage() {
    return "[conf-file] [key=value ...] | <tokenizer-dir-or-file>";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("bench-tokenize.tokenizer");
  }

  @Override
  public int run(Invocation invocation) {
    TextTokenizer tokenizer = tokenizers.load(Path.of(invocation.required("bench-tokenize.tokenizer", "a tokenizer folder or tokenizer.json")));
    measure(invocation, tokenizer, "english", paragraphs(new Random(1), false));
    measure(invocation, tokenizer, "mixed-script", paragraphs(new Random(2), true));
    return 0;
  }

  private static void measure(Invocation invocation, TextTokenizer tokenizer, String name, List<String> texts) {
    long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
    encodeAll(tokenizer, texts); // warm-up: JIT and the word cache
    long start = System.nanoTime();
    long tokens = encodeAll(tokenizer, texts);
    double seconds = (System.nanoTime() - start) / 1e9;
    invocation.out().printf("%-13s %6.1f MB/s  %9.0f tokens/s  (%.1f MB, %.2f bytes/token)%n",
        name, bytes / 1e6 / seconds, tokens / seconds, bytes / 1e6, (double) bytes / tokens);
  }

  private static long encodeAll(TextTokenizer tokenizer, List<String> texts) {
    long tokens = 0;
    for (String t : texts) {
      tokens += tokenizer.encode(t, true).length;
    }
    return tokens;
  }

  /** Paragraphs of frequent words, numbers and some random words (which miss any word cache). */
  private static List<String> paragraphs(Random r, boolean mixed) {
    List<String> out = new ArrayList<>(PARAGRAPHS);
    for (int p = 0; p < PARAGRAPHS; p++) {
      StringBuilder b = new StringBuilder();
      for (int w = 0; w < 60; w++) {
        int kind = r.nextInt(100);
        if (mixed && kind < 12) {
          b.append(' ').append(cjk(r, 0x4E00, 0x5000));
        } else if (mixed && kind < 20) {
          b.append(' ').append(cjk(r, 0xAC00, 11172));
        } else if (mixed && kind < 28) {
          b.append(' ').append(OTHER_SCRIPTS[r.nextInt(OTHER_SCRIPTS.length)]);
        } else if (mixed && kind < 31) {
          b.append(' ').appendCodePoint(0x1F300 + r.nextInt(0x250));
        } else if (kind < 36) {
          b.append(' ').append(r.nextInt(100_000));
        } else if (kind < 41) {
          b.append(' ');
          for (int c = 3 + r.nextInt(7); c > 0; c--) {
            b.append((char) ('a' + r.nextInt(26)));
          }
        } else {
          b.append(' ').append(ENGLISH[(int) (ENGLISH.length * Math.pow(r.nextDouble(), 2))]);
        }
        if (r.nextInt(12) == 0) {
          b.append(r.nextBoolean() ? "." : ",");
        }
      }
      out.add(b.substring(1));
    }
    return out;
  }

  private static String cjk(Random r, int base, int range) {
    StringBuilder b = new StringBuilder();
    for (int c = 1 + r.nextInt(4); c > 0; c--) {
      b.appendCodePoint(base + r.nextInt(range));
    }
    return b.toString();
  }
}
