package io.liquidj.tokenizers.text;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One step of a {@code tokenizer.json} {@code pre_tokenizer}: splits each piece of normalized text
 * into smaller pieces (words) that the model encodes independently.
 */
interface PreTokenizer {
  /**
   * Splits every piece of {@code pieces}.
   *
   * @param atStart whether the text is the start of the input (not after an added token)
   */
  List<String> split(List<String> pieces, boolean atStart);

  /** How a {@code Split} keeps the delimiter (tokenizers' {@code SplitDelimiterBehavior}). */
  enum Behavior {
    ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, REMOVED
  }

  /** {@code Split}: a regex or literal delimiter. */
  record Split(Pattern pattern, Behavior behavior) implements PreTokenizer {
    @Override
    public List<String> split(List<String> pieces, boolean atStart) {
      List<String> out = new ArrayList<>();
      for (String piece : pieces) {
        splitOne(piece, out);
      }
      return out;
    }

    private void splitOne(String text, List<String> out) {
      Matcher m = pattern.matcher(text);
      int last = 0;
      int pendingStart = -1; // start of a delimiter waiting to be merged with the next piece
      while (m.find()) {
        if (m.end() == m.start()) {
          continue;
        }
        String before = text.substring(last, m.start());
        String match = m.group();
        switch (behavior) {
          case ISOLATED -> {
            addNonEmpty(out, before);
            out.add(match);
          }
          case REMOVED -> addNonEmpty(out, before);
          case MERGED_WITH_PREVIOUS -> addNonEmpty(out, before + match);
          case MERGED_WITH_NEXT -> {
            addNonEmpty(out, text.substring(pendingStart < 0 ? last : pendingStart, m.start()));
            pendingStart = m.start();
          }
        }
        last = m.end();
      }
      if (behavior == Behavior.MERGED_WITH_NEXT && pendingStart >= 0) {
        addNonEmpty(out, text.substring(pendingStart));
      } else {
        addNonEmpty(out, text.substring(last));
      }
    }

    private static void addNonEmpty(List<String> out, String s) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
  }

  /**
   * {@code ByteLevel} as a pre-tokenizer: optionally a leading space and GPT-2's regex split; the
   * mapping of bytes to characters itself happens just before the model (it must be the last step).
   */
  record ByteLevelSplit(boolean addPrefixSpace, Split gpt2Split) implements PreTokenizer {
    /** GPT-2's pattern, used when {@code use_regex} is true (tokenizers' ByteLevel RE). */
    static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    @Override
    public List<String> split(List<String> pieces, boolean atStart) {
      List<String> out = pieces;
      if (addPrefixSpace) {
        out = new ArrayList<>();
        for (String p : pieces) {
          out.add(p.startsWith(" ") ? p : " " + p);
        }
      }
      return gpt2Split == null ? out : gpt2Split.split(out, atStart);
    }
  }

  /** {@code Metaspace}: spaces become the replacement character, optionally prepended, split before it. */
  record Metaspace(char replacement, String prependScheme, boolean splitOnReplacement) implements PreTokenizer {
    @Override
    public List<String> split(List<String> pieces, boolean atStart) {
      List<String> out = new ArrayList<>();
      String mark = String.valueOf(replacement);
      for (int i = 0; i < pieces.size(); i++) {
        String p = pieces.get(i).replace(' ', replacement);
        boolean prepend = prependScheme.equals("always") || (prependScheme.equals("first") && atStart && i == 0);
        if (prepend && !p.startsWith(mark)) {
          p = mark + p;
        }
        if (!splitOnReplacement) {
          out.add(p);
          continue;
        }
        int start = 0;
        for (int j = 1; j < p.length(); j++) {
          if (p.charAt(j) == replacement) {
            out.add(p.substring(start, j));
            start = j;
          }
        }
        out.add(p.substring(start));
      }
      return out;
    }
  }
}
