package io.liquidj.framework.data;

import io.liquidj.framework.tokenizer.TextTokenizer;
import java.util.OptionalInt;

/** A real, tiny text tokenizer for tests: printable ASCII c is id c, {@code <bos>} 1, {@code <eos>} 2, others '?'. */
public final class CharTokenizer implements TextTokenizer {
  public static final int BOS = 1;
  public static final int EOS = 2;

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    int offset = addSpecialTokens ? 1 : 0;
    int[] ids = new int[text.length() + offset];
    if (addSpecialTokens) {
      ids[0] = BOS;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      ids[i + offset] = c >= 32 && c < 127 ? c : '?';
    }
    return ids;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    StringBuilder b = new StringBuilder();
    for (int id : ids) {
      if (id >= 32 && id < 127) {
        b.append((char) id);
      } else if (!skipSpecialTokens) {
        b.append(id == BOS ? "<bos>" : id == EOS ? "<eos>" : "<" + id + ">");
      }
    }
    return b.toString();
  }

  @Override
  public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
    return new StreamingDecoder() {
      @Override
      public String next(int id) {
        return decode(new int[] {id}, skipSpecialTokens);
      }

      @Override
      public String flush() {
        return "";
      }
    };
  }

  @Override
  public int size() {
    return 128;
  }

  @Override
  public OptionalInt tokenId(String token) {
    return switch (token) {
      case "<bos>" -> OptionalInt.of(BOS);
      case "<eos>" -> OptionalInt.of(EOS);
      default -> token.length() == 1 ? OptionalInt.of(token.charAt(0)) : OptionalInt.empty();
    };
  }

  @Override
  public OptionalInt bosId() {
    return OptionalInt.of(BOS);
  }

  @Override
  public OptionalInt eosId() {
    return OptionalInt.of(EOS);
  }
}
