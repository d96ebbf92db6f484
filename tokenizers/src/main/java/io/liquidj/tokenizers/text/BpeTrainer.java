package io.liquidj.tokenizers.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a small byte-level BPE from texts and writes it as a standard {@code tokenizer.json} with
 * Llama-3's schema (Split regex + ByteLevel, BPE, BOS template, ByteLevel decoder) and a {@code
 * tokenizer_config.json}; both load here and in Hugging Face tokenizers.
 *
 * <p>Ids: the 256 byte characters (in byte order), then the learned merges, then the added tokens
 * {@link #SPECIAL_TOKENS}. Each step merges the most frequent adjacent pair (ties: the smallest
 * pair of ids), counting pairs incrementally over the distinct words.
 */
public final class BpeTrainer {
  /** The added tokens, in id order after the learned vocabulary: BOS, EOS and Liquid's three. */
  public static final List<String> SPECIAL_TOKENS = List.of("<bos>", "<eos>", "<boi>", "<eoi>", "<unconditional>");

  /** Llama-3's pre-tokenizer regex. */
  static final String SPLIT_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private BpeTrainer() {}

  /**
   * Trains on {@code texts} and writes {@code tokenizer.json} and {@code tokenizer_config.json} into
   * {@code dir}; the tokenizer has exactly {@code vocabSize} ids (fewer if the texts run out of pairs).
   */
  public static void write(List<String> texts, int vocabSize, Path dir) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode tokenizer = train(texts, vocabSize);
    AtomicFiles.writeString(dir.resolve(TokenizerJson.TOKENIZER_JSON), mapper.writerWithDefaultPrettyPrinter().writeValueAsString(tokenizer));
    AtomicFiles.writeString(dir.resolve(TokenizerJson.TOKENIZER_CONFIG),
        mapper.writerWithDefaultPrettyPrinter().writeValueAsString(config(tokenizer)));
  }

  /** The {@code tokenizer.json} tree learned from {@code texts}. */
  public static ObjectNode train(List<String> texts, int vocabSize) {
    int modelSize = vocabSize - SPECIAL_TOKENS.size();
    if (modelSize < 256) {
      throw new IllegalArgumentException("vocab size " + vocabSize + " < 256 bytes + " + SPECIAL_TOKENS.size() + " special tokens");
    }
    List<String> tokens = new ArrayList<>();
    Map<String, Integer> ids = new HashMap<>();
    for (int b = 0; b < 256; b++) {
      String c = String.valueOf(ByteLevel.charOf(b));
      ids.put(c, tokens.size());
      tokens.add(c);
    }
    Words words = Words.of(texts);
    List<String> merges = new ArrayList<>();
    while (tokens.size() < modelSize) {
      long best = words.mostFrequentPair();
      if (best == -1) {
        break;
      }
      int a = (int) (best >>> 32);
      int b = (int) best;
      String merged = tokens.get(a) + tokens.get(b);
      Integer id = ids.get(merged);
      if (id == null) {
        id = tokens.size();
        ids.put(merged, id);
        tokens.add(merged);
      }
      merges.add(tokens.get(a) + " " + tokens.get(b));
      words.merge(best, id);
    }
    return json(tokens, merges);
  }

  /**
   * The distinct pre-tokenized words with their counts and incremental pair statistics: pair counts
   * in a primitive map, the best pair from a lazy max-heap (an entry is checked against the current
   * count when it surfaces), and for each pair the words that (may) hold it.
   */
  private static final class Words {
    private final List<int[]> symbols = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();
    private final LongCounts pairCounts = new LongCounts();
    private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
    private final PriorityQueue<long[]> best = new PriorityQueue<>(
        (x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));

    static Words of(List<String> texts) {
      Pattern split = Pattern.compile(SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS);
      Map<String, Integer> wordCounts = new HashMap<>();
      for (String text : texts) {
        Matcher m = split.matcher(Utf8.withoutLoneSurrogates(text));
        while (m.find()) {
          wordCounts.merge(m.group(), 1, Integer::sum);
        }
      }
      Words words = new Words();
      Set<Long> touched = new HashSet<>();
      wordCounts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
        byte[] bytes = Utf8.encode(e.getKey());
        int[] s = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
          s[i] = bytes[i] & 0xFF;
        }
        words.symbols.add(s);
        words.counts.add(e.getValue());
        int w = words.symbols.size() - 1;
        for (int i = 0; i + 1 < s.length; i++) {
          long key = key(s[i], s[i + 1]);
          words.pairCounts.add(key, e.getValue());
          words.pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(w);
          touched.add(key);
        }
      });
      words.push(touched);
      return words;
    }

    private static long key(int a, int b) {
      return ((long) a << 32) | b;
    }

    private void push(Set<Long> keys) {
      for (long key : keys) {
        long c = pairCounts.get(key);
        if (c > 0) {
          best.add(new long[] {c, key});
        }
      }
    }

    /** The most frequent pair as (a << 32 | b), the smallest on ties, or -1 when none is left. */
    long mostFrequentPair() {
      while (!best.isEmpty()) {
        long[] top = best.poll();
        long current = pairCounts.get(top[1]);
        if (current == top[0]) {
          return top[1];
        }
        if (current > 0 && current < top[0]) {
          best.add(new long[] {current, top[1]});
        }
      }
      return -1;
    }

    /** Replaces every occurrence of {@code pair} by {@code id} in the words that hold it. */
    void merge(long pair, int id) {
      int a = (int) (pair >>> 32);
      int b = (int) pair;
      Set<Integer> holders = pairWords.remove(pair);
      Set<Long> touched = new HashSet<>();
      for (int w : holders) {
        int[] s = symbols.get(w);
        long f = counts.get(w);
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
          if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
            out[n++] = id;
            i++;
          } else {
            out[n++] = s[i];
          }
        }
        if (n == s.length) {
          continue; // a stale holder
        }
        for (int i = 0; i + 1 < s.length; i++) {
          pairCounts.add(key(s[i], s[i + 1]), -f);
        }
        for (int i = 0; i + 1 < n; i++) {
          long key = key(out[i], out[i + 1]);
          pairCounts.add(key, f);
          touched.add(key);
          if (out[i] == id || out[i + 1] == id) {
            pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(w);
          }
        }
        symbols.set(w, java.util.Arrays.copyOf(out, n));
      }
      push(touched);
    }
  }

  /** Open-addressing map from a long key to a long count (no removal: a count may reach 0). */
  private static final class LongCounts {
    private long[] keys = new long[1024];
    private long[] values = new long[1024];
    private boolean[] used = new boolean[1024];
    private int size;

    long get(long key) {
      int mask = keys.length - 1;
      for (int i = slot(key, mask); used[i]; i = (i + 1) & mask) {
        if (keys[i] == key) {
          return values[i];
        }
      }
      return 0;
    }

    void add(long key, long delta) {
      if (2 * (size + 1) > keys.length) {
        grow();
      }
      int mask = keys.length - 1;
      int i = slot(key, mask);
      while (used[i] && keys[i] != key) {
        i = (i + 1) & mask;
      }
      if (!used[i]) {
        used[i] = true;
        keys[i] = key;
        size++;
      }
      values[i] += delta;
    }

    private void grow() {
      long[] oldKeys = keys;
      long[] oldValues = values;
      boolean[] oldUsed = used;
      keys = new long[oldKeys.length * 2];
      values = new long[oldKeys.length * 2];
      used = new boolean[oldKeys.length * 2];
      size = 0;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldUsed[i]) {
          add(oldKeys[i], oldValues[i]);
        }
      }
    }

    private static int slot(long key, int mask) {
      return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }
  }

  private static ObjectNode json(List<String> tokens, List<String> merges) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
      ObjectNode t = added.addObject();
      t.put("id", tokens.size() + i);
      t.put("content", SPECIAL_TOKENS.get(i));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode steps = pre.putArray("pretokenizers");
    ObjectNode split = steps.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", SPLIT_REGEX);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    String bos = SPECIAL_TOKENS.get(0);
    post.set("single", template(mapper, bos, "A", 0));
    ArrayNode pair = template(mapper, bos, "A", 0);
    pair.addAll(template(mapper, bos, "B", 1));
    post.set("pair", pair);
    ObjectNode special = post.putObject("special_tokens").putObject(bos);
    special.put("id", bos);
    special.putArray("ids").add(tokens.size());
    special.putArray("tokens").add(bos);
    root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < tokens.size(); i++) {
      vocab.put(tokens.get(i), i);
    }
    ArrayNode m = model.putArray("merges");
    merges.forEach(m::add);
    return root;
  }

  private static ArrayNode template(ObjectMapper mapper, String bos, String sequence, int typeId) {
    ArrayNode items = mapper.createArrayNode();
    items.addObject().putObject("SpecialToken").put("id", bos).put("type_id", typeId);
    items.addObject().putObject("Sequence").put("id", sequence).put("type_id", typeId);
    return items;
  }

  private static ObjectNode config(ObjectNode tokenizer) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode config = mapper.createObjectNode();
    config.put("add_bos_token", true);
    config.put("add_eos_token", false);
    ObjectNode decoder = config.putObject("added_tokens_decoder");
    tokenizer.path("added_tokens").forEach(t -> {
      ObjectNode entry = t.deepCopy();
      entry.remove("id");
      decoder.set(t.path("id").asText(), entry);
    });
    config.put("bos_token", SPECIAL_TOKENS.get(0));
    config.put("eos_token", SPECIAL_TOKENS.get(1));
    config.put("clean_up_tokenization_spaces", false);
    config.put("model_max_length", 1_000_000);
    config.put("tokenizer_class", "PreTrainedTokenizerFast");
    return config;
  }
}
