package io.liquidj.framework.optim;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Parameter-name regex lists from the config (matched against the whole Hugging Face tensor name). */
public final class Patterns {
  private Patterns() {}

  /** The regexes at {@code key}, compiled; a bad regex is a BadValue naming the key. */
  public static List<Pattern> list(Config config, String key) {
    List<Pattern> out = new ArrayList<>();
    for (String s : config.getStringList(key)) {
      try {
        out.add(Pattern.compile(s));
      } catch (PatternSyntaxException e) {
        throw ConfigReads.bad(config, key, "\"" + s + "\" is not a valid regex: " + e.getDescription());
      }
    }
    return out;
  }

  /** Whether any pattern matches all of {@code name}. */
  public static boolean matchesAny(List<Pattern> patterns, String name) {
    return patterns.stream().anyMatch(p -> p.matcher(name).matches());
  }
}
