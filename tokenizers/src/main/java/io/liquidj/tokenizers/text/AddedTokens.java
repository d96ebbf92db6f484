package io.liquidj.tokenizers.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added vocabulary of a {@code tokenizer.json} ({@code added_tokens}): strings that are never
 * split, matched in the text before the model sees it, leftmost first and longest at a position
 * (tokenizers' {@code AddedVocabulary}, an Aho-Corasick leftmost-longest match).
 */
final class AddedTokens {
  /** One added token. */
  record Token(String content, int id, boolean special) {}

  /** A piece of input: an added token ({@code id >= 0}) or text for the model ({@code id == -1}). */
  record Segment(String text, int id) {}

  private final List<Token> tokens;
  private final Map<String, Token> byContent;
  private final Map<Integer, Token> byId;
  private final Map<Character, String[]> byFirstChar;

  /** @param tokens the added tokens; where two share an id, the later one is the id's text */
  AddedTokens(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
    byContent = new HashMap<>();
    byId = new HashMap<>();
    for (Token t : tokens) {
      if (t.content().isEmpty()) {
        throw new IllegalArgumentException("added token " + t.id() + " has empty content");
      }
      byContent.put(t.content(), t);
      byId.put(t.id(), t);
    }
    Map<Character, List<String>> grouped = new HashMap<>();
    for (String content : byContent.keySet()) {
      grouped.computeIfAbsent(content.charAt(0), c -> new ArrayList<>()).add(content);
    }
    byFirstChar = new HashMap<>();
    grouped.forEach((c, list) -> {
      String[] longestFirst = list.toArray(String[]::new);
      Arrays.sort(longestFirst, Comparator.comparingInt(String::length).reversed());
      byFirstChar.put(c, longestFirst);
    });
  }

  /**
   * These tokens plus {@code more}: a string already present takes the new id, and an id already
   * present decodes to the new string (so {@code <boi>} can reuse {@code <unused0>}'s id).
   */
  AddedTokens with(List<Token> more) {
    List<Token> all = new ArrayList<>();
    tokens.stream().filter(t -> more.stream().noneMatch(m -> m.content().equals(t.content()))).forEach(all::add);
    all.addAll(more);
    return new AddedTokens(all);
  }

  boolean isEmpty() {
    return byContent.isEmpty();
  }

  Token byId(int id) {
    return byId.get(id);
  }

  Token byContent(String content) {
    return byContent.get(content);
  }

  /** One past the largest id. */
  int size() {
    return byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
  }

  /** Splits {@code text} into added tokens and the text between them (empty pieces left out). */
  List<Segment> split(String text) {
    List<Segment> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      String[] candidates = byFirstChar.get(text.charAt(i));
      if (candidates == null) {
        continue;
      }
      for (String candidate : candidates) {
        if (text.startsWith(candidate, i)) {
          if (i > start) {
            out.add(new Segment(text.substring(start, i), -1));
          }
          out.add(new Segment(candidate, byContent.get(candidate).id()));
          start = i + candidate.length();
          i = start - 1;
          break;
        }
      }
    }
    if (start < text.length()) {
      out.add(new Segment(text.substring(start), -1));
    }
    return out;
  }
}
