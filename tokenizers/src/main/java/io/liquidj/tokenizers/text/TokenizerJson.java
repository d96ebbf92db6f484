package io.liquidj.tokenizers.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a {@code tokenizer.json} (and {@code tokenizer_config.json} beside it) into an {@link
 * HfTokenizer}. Each part names what it found and what is supported when it cannot be read.
 */
final class TokenizerJson {
  static final String TOKENIZER_JSON = "tokenizer.json";
  static final String TOKENIZER_CONFIG = "tokenizer_config.json";

  private final Path file;

  private TokenizerJson(Path file) {
    this.file = file;
  }

  /** Parses a JSON file, failing with a user error naming it. */
  static JsonNode read(Path path) {
    try {
      return new ObjectMapper().readTree(path.toFile());
    } catch (IOException e) {
      throw new UserError(path + ": cannot read JSON: " + e.getMessage(), e);
    }
  }

  /** The type of a component, or "null". */
  static String type(JsonNode node) {
    return node == null || node.isNull() ? "null" : node.path("type").asText("?");
  }

  /** The tokenizer in {@code dir} from its parsed {@code tokenizer.json}. */
  static HfTokenizer load(Path dir, JsonNode json) {
    return new TokenizerJson(dir.resolve(TOKENIZER_JSON)).tokenizer(dir, json);
  }

  private HfTokenizer tokenizer(Path dir, JsonNode json) {
    JsonNode config = Files.isRegularFile(dir.resolve(TOKENIZER_CONFIG)) ? read(dir.resolve(TOKENIZER_CONFIG)) : null;
    AddedTokens added = addedTokens(json.path("added_tokens"));
    UnaryOperator<String> normalizer = normalizer(json.get("normalizer"));
    List<PreTokenizer> preTokenizers = new ArrayList<>();
    boolean byteLevel = preTokenizer(json.get("pre_tokenizer"), preTokenizers);
    Bpe model = model(json.path("model"), byteLevel);
    TokensToText decoder = decoder(json.get("decoder"));
    if (byteLevel != decoder.byteLevel()) {
      throw unsupported("decoder", type(json.get("decoder")),
          byteLevel ? "ByteLevel (the pre_tokenizer is ByteLevel)" : "not ByteLevel (the pre_tokenizer is not ByteLevel)");
    }
    List<Integer> prefix = new ArrayList<>();
    List<Integer> suffix = new ArrayList<>();
    postProcessor(json.get("post_processor"), prefix, suffix);
    OptionalInt bos = configToken(config, "bos_token", added, model);
    if (bos.isEmpty() && config == null && !prefix.isEmpty()) {
      bos = OptionalInt.of(prefix.get(0));
    }
    OptionalInt eos = configToken(config, "eos_token", added, model);
    return new HfTokenizer(added, normalizer, preTokenizers, model,
        prefix.stream().mapToInt(Integer::intValue).toArray(), suffix.stream().mapToInt(Integer::intValue).toArray(),
        decoder, bos, eos);
  }

  private static AddedTokens addedTokens(JsonNode list) {
    List<AddedTokens.Token> tokens = new ArrayList<>();
    for (JsonNode t : list) {
      tokens.add(new AddedTokens.Token(t.path("content").asText(), t.path("id").asInt(), t.path("special").asBoolean(false)));
    }
    return new AddedTokens(tokens);
  }

  private Bpe model(JsonNode model, boolean byteLevel) {
    String type = type(model);
    if (!type.equals("BPE")) {
      throw unsupported("model.type", type, "BPE");
    }
    Map<String, Integer> vocab = new HashMap<>(model.path("vocab").size() * 2);
    model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
    List<String[]> merges = new ArrayList<>(model.path("merges").size());
    for (JsonNode m : model.path("merges")) {
      if (m.isArray()) {
        merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
      } else {
        String[] parts = m.asText().split(" ", -1);
        if (parts.length != 2) {
          throw new UserError(file + ": model.merges entry \"" + m.asText() + "\" is not two tokens separated by one space");
        }
        merges.add(parts);
      }
    }
    for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
      if (!model.path(key).asText("").isEmpty()) {
        throw unsupported("model." + key, model.path(key).asText(), "null or \"\"");
      }
    }
    if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode() && model.path("dropout").asDouble() != 0) {
      throw unsupported("model.dropout", model.path("dropout").asText(), "null (no BPE dropout)");
    }
    JsonNode unk = model.get("unk_token");
    int unkId = -1;
    if (unk != null && !unk.isNull()) {
      Integer id = vocab.get(unk.asText());
      if (id == null) {
        throw new UserError(file + ": model.unk_token \"" + unk.asText() + "\" is not in model.vocab");
      }
      unkId = id;
    }
    try {
      return new Bpe(vocab, merges, model.path("byte_fallback").asBoolean(false), unkId,
          model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false), byteLevel);
    } catch (IllegalArgumentException e) {
      throw new UserError(file + ": model: " + e.getMessage(), e);
    }
  }

  private UnaryOperator<String> normalizer(JsonNode n) {
    String type = type(n);
    switch (type) {
      case "null":
        return s -> s;
      case "NFC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
      case "NFKC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
      case "NFD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
      case "NFKD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
      case "Replace": {
        Pattern p = pattern(n.path("pattern"), "normalizer.pattern");
        String content = n.path("content").asText();
        String replacement = java.util.regex.Matcher.quoteReplacement(content);
        return s -> p.matcher(s).replaceAll(replacement);
      }
      case "Prepend": {
        String prepend = n.path("prepend").asText();
        return s -> s.isEmpty() ? s : prepend + s;
      }
      case "Sequence": {
        List<UnaryOperator<String>> steps = new ArrayList<>();
        n.path("normalizers").forEach(x -> steps.add(normalizer(x)));
        return s -> {
          for (UnaryOperator<String> step : steps) {
            s = step.apply(s);
          }
          return s;
        };
      }
      default:
        throw unsupported("normalizer.type", type, "null, NFC, NFKC, NFD, NFKD, Replace, Prepend, Sequence");
    }
  }

  /** Adds the steps of a pre-tokenizer; returns whether it ends with ByteLevel. */
  private boolean preTokenizer(JsonNode n, List<PreTokenizer> steps) {
    String type = type(n);
    switch (type) {
      case "null":
        return false;
      case "Split": {
        if (n.path("invert").asBoolean(false)) {
          throw unsupported("pre_tokenizer Split.invert", "true", "false");
        }
        steps.add(new PreTokenizer.Split(pattern(n.path("pattern"), "pre_tokenizer Split.pattern"), behavior(n.path("behavior").asText())));
        return false;
      }
      case "ByteLevel": {
        PreTokenizer.Split gpt2 = n.path("use_regex").asBoolean(true)
            ? new PreTokenizer.Split(Pattern.compile(PreTokenizer.ByteLevelSplit.GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS),
                PreTokenizer.Behavior.ISOLATED)
            : null;
        steps.add(new PreTokenizer.ByteLevelSplit(n.path("add_prefix_space").asBoolean(false), gpt2));
        return true;
      }
      case "Metaspace": {
        String scheme = n.has("prepend_scheme") ? n.path("prepend_scheme").asText()
            : n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
        steps.add(new PreTokenizer.Metaspace(n.path("replacement").asText("\u2581").charAt(0), scheme, n.path("split").asBoolean(true)));
        return false;
      }
      case "Sequence": {
        boolean byteLevel = false;
        for (JsonNode step : n.path("pretokenizers")) {
          if (byteLevel) {
            throw unsupported("pre_tokenizer Sequence", "a step after ByteLevel", "ByteLevel as the last step");
          }
          byteLevel = preTokenizer(step, steps);
        }
        return byteLevel;
      }
      default:
        throw unsupported("pre_tokenizer.type", type, "null, Split, ByteLevel, Metaspace, Sequence");
    }
  }

  private PreTokenizer.Behavior behavior(String name) {
    return switch (name) {
      case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
      case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
      case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
      case "Removed" -> PreTokenizer.Behavior.REMOVED;
      default -> throw unsupported("pre_tokenizer Split.behavior", name, "Isolated, MergedWithPrevious, MergedWithNext, Removed");
    };
  }

  /**
   * A {@code {"String": ...}} or {@code {"Regex": ...}} pattern. Regexes are compiled with
   * UNICODE_CHARACTER_CLASS so that {@code \s}, {@code \p{L}} and {@code (?i:)} follow Unicode as
   * Oniguruma does in tokenizers.
   */
  private Pattern pattern(JsonNode p, String where) {
    if (p.has("String")) {
      return Pattern.compile(Pattern.quote(p.get("String").asText()));
    }
    if (p.has("Regex")) {
      try {
        return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
      } catch (PatternSyntaxException e) {
        throw new UserError(file + ": " + where + ": the regex does not compile in Java: " + e.getDescription(), e);
      }
    }
    throw unsupported(where, p.toString(), "{\"String\": ...} or {\"Regex\": ...}");
  }

  private TokensToText decoder(JsonNode n) {
    String type = type(n);
    if (type.equals("ByteLevel")) {
      return new TokensToText(true, List.of(), false, false);
    }
    List<JsonNode> steps = new ArrayList<>();
    if (type.equals("Sequence")) {
      n.path("decoders").forEach(steps::add);
    } else if (!type.equals("null")) {
      steps.add(n);
    }
    List<String> replaces = new ArrayList<>();
    boolean byteFallback = false;
    boolean stripFirst = false;
    for (JsonNode step : steps) {
      String t = type(step);
      switch (t) {
        case "Replace" -> {
          if (!step.path("pattern").has("String")) {
            throw unsupported("decoder Replace.pattern", step.path("pattern").toString(), "{\"String\": ...}");
          }
          replaces.add(step.path("pattern").path("String").asText());
          replaces.add(step.path("content").asText());
        }
        case "ByteFallback" -> byteFallback = true;
        case "Fuse" -> { }
        case "Metaspace" -> {
          replaces.add(step.path("replacement").asText("\u2581"));
          replaces.add(" ");
          String scheme = step.has("prepend_scheme") ? step.path("prepend_scheme").asText()
              : step.path("add_prefix_space").asBoolean(true) ? "always" : "never";
          stripFirst = !scheme.equals("never");
        }
        default -> throw unsupported("decoder.type", t, "ByteLevel, or a Sequence of Replace, ByteFallback, Fuse, Metaspace");
      }
    }
    return new TokensToText(false, replaces, byteFallback, stripFirst);
  }

  private void postProcessor(JsonNode n, List<Integer> prefix, List<Integer> suffix) {
    String type = type(n);
    switch (type) {
      case "null", "ByteLevel" -> { }
      case "Sequence" -> n.path("processors").forEach(p -> postProcessor(p, prefix, suffix));
      case "TemplateProcessing" -> {
        boolean afterSequence = false;
        for (JsonNode item : n.path("single")) {
          if (item.has("Sequence")) {
            afterSequence = true;
          } else if (item.has("SpecialToken")) {
            String name = item.path("SpecialToken").path("id").asText();
            JsonNode ids = n.path("special_tokens").path(name).path("ids");
            if (!ids.isArray()) {
              throw new UserError(file + ": post_processor.special_tokens has no ids for \"" + name + "\"");
            }
            for (JsonNode id : ids) {
              (afterSequence ? suffix : prefix).add(id.asInt());
            }
          }
        }
      }
      default -> throw unsupported("post_processor.type", type, "null, ByteLevel, TemplateProcessing, Sequence");
    }
  }

  /** The id of {@code bos_token} / {@code eos_token} in tokenizer_config.json (a string or {content}). */
  private static OptionalInt configToken(JsonNode config, String key, AddedTokens added, Bpe model) {
    if (config == null || !config.hasNonNull(key)) {
      return OptionalInt.empty();
    }
    JsonNode v = config.get(key);
    String content = v.isObject() ? v.path("content").asText() : v.asText();
    AddedTokens.Token a = added.byContent(content);
    Integer id = a != null ? Integer.valueOf(a.id()) : model.id(content);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  private UserError unsupported(String key, String found, String supported) {
    return new UserError(file + ": " + key + " \"" + found + "\" is not supported; supported: " + supported);
  }

  /** A short description of a tokenizer.json for error messages: model, pre-tokenizer, decoder. */
  static String describe(JsonNode json) {
    Map<String, String> parts = new LinkedHashMap<>();
    parts.put("model.type", type(json.get("model")));
    parts.put("model.byte_fallback", json.path("model").path("byte_fallback").asText("false"));
    parts.put("pre_tokenizer", preTokenizerTypes(json.get("pre_tokenizer")));
    parts.put("decoder", type(json.get("decoder")));
    StringBuilder b = new StringBuilder();
    parts.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v));
    return b.toString();
  }

  private static String preTokenizerTypes(JsonNode n) {
    if (type(n).equals("Sequence")) {
      List<String> types = new ArrayList<>();
      n.path("pretokenizers").forEach(p -> types.add(type(p)));
      return "Sequence" + types;
    }
    return type(n);
  }
}
