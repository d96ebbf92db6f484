package io.liquidj.framework.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a WebDataset-style tar shard: consecutive members sharing a key ({@code dir/000123.jpg},
 * {@code dir/000123.txt}) form one sample; the image is {@code jpg|jpeg|png|webp}, the caption is
 * {@code txt} or the {@code "caption"} (else {@code "text"}) field of {@code json}.
 *
 * <p>The tar format is simple enough to read here (POSIX ustar with pax {@code path} and GNU long
 * names), which keeps the framework free of an archive dependency. A header with a bad checksum
 * counts as one bad member and reading resumes at the next valid header; a member cut short ends
 * the shard.
 */
final class TarSamples {
  private static final int BLOCK = 512;
  /** A member larger than this is treated as corrupt (a broken size field would otherwise exhaust memory). */
  private static final long MAX_MEMBER_BYTES = 256L << 20;
  private static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp");
  private static final ObjectMapper JSON = new ObjectMapper();

  private TarSamples() {}

  /** Calls {@code sink} with one record per sample (or per bad member) of {@code tar}, in order. */
  static void read(Path tar, Consumer<RawRecord> sink) throws IOException {
    String name = tar.getFileName().toString();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tar), 1 << 16)) {
      Grouper grouper = new Grouper(name, sink);
      byte[] header = new byte[BLOCK];
      String longName = null;
      boolean resyncing = false;
      while (true) {
        int n = in.readNBytes(header, 0, BLOCK);
        if (n == 0) {
          break;
        }
        if (n < BLOCK) {
          sink.accept(RawRecord.bad(name, SkipReason.BAD_TAR_MEMBER, "archive ends inside a header"));
          break;
        }
        if (allZero(header)) {
          break;
        }
        if (!checksumOk(header)) {
          if (!resyncing) {
            sink.accept(RawRecord.bad(name, SkipReason.BAD_TAR_MEMBER, "header checksum mismatch"));
            resyncing = true;
          }
          continue;
        }
        resyncing = false;
        long size = parseSize(header);
        String path = longName != null ? longName : path(header);
        longName = null;
        char type = (char) header[156];
        if (size < 0 || size > MAX_MEMBER_BYTES) {
          sink.accept(RawRecord.bad(name + ":" + path, SkipReason.BAD_TAR_MEMBER, "member size " + size));
          resyncing = true;
          continue;
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
          sink.accept(RawRecord.bad(name + ":" + path, SkipReason.BAD_TAR_MEMBER, "archive ends inside the member"));
          break;
        }
        long padding = (BLOCK - size % BLOCK) % BLOCK;
        in.readNBytes((int) padding); // a missing final padding is harmless
        switch (type) {
          case 'L' -> longName = cString(data, 0, data.length);
          case 'x' -> longName = paxPath(data);
          case '0', '\0', '7' -> grouper.member(path, data);
          default -> { } // directories, links, global pax headers: nothing to read
        }
      }
      grouper.flush();
    }
  }

  /** Collects the members of the current key and emits a record when the key changes. */
  private static final class Grouper {
    private final String tarName;
    private final Consumer<RawRecord> sink;
    private String key;
    private final Map<String, byte[]> members = new LinkedHashMap<>();

    Grouper(String tarName, Consumer<RawRecord> sink) {
      this.tarName = tarName;
      this.sink = sink;
    }

    void member(String path, byte[] data) {
      int slash = path.lastIndexOf('/');
      int dot = path.indexOf('.', slash + 1);
      String k = dot < 0 ? path : path.substring(0, dot);
      String ext = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
      if (!k.equals(key)) {
        flush();
        key = k;
      }
      members.put(ext, data);
    }

    void flush() {
      if (key == null) {
        return;
      }
      String where = tarName + ":" + key;
      byte[] image = null;
      for (var e : members.entrySet()) {
        if (IMAGE_EXTENSIONS.contains(e.getKey())) {
          image = e.getValue();
          break;
        }
      }
      String caption = caption(where);
      key = null;
      members.clear();
      if (caption == null) {
        return; // the reason was already reported
      }
      if (image == null) {
        sink.accept(RawRecord.bad(where, SkipReason.MISSING_IMAGE, null));
      } else if (caption.isBlank()) {
        sink.accept(RawRecord.bad(where, SkipReason.MISSING_CAPTION, null));
      } else {
        byte[] bytes = image;
        sink.accept(RawRecord.pair(where, () -> bytes, caption));
      }
    }

    /** The caption, "" when there is none, or null when the member is malformed (reported here). */
    private String caption(String where) {
      byte[] member = members.containsKey("txt") ? members.get("txt") : members.get("json");
      if (member == null) {
        return "";
      }
      Utf8Text.Decoded text = Utf8Text.decode(member);
      if (!text.ok()) {
        sink.accept(RawRecord.bad(where, SkipReason.BAD_UTF8, text.problem()));
        return null;
      }
      if (members.containsKey("txt")) {
        return text.text().strip();
      }
      try {
        JsonNode node = JSON.readTree(text.text());
        JsonNode c = node.has("caption") ? node.get("caption") : node.path("text");
        return c.isTextual() ? c.asText().strip() : "";
      } catch (IOException e) {
        sink.accept(RawRecord.bad(where, SkipReason.BAD_JSON, firstLine(e.getMessage())));
        return null;
      }
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumOk(byte[] h) {
    long stored = parseOctal(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
    }
    return stored == sum;
  }

  private static long parseSize(byte[] h) {
    if ((h[124] & 0x80) != 0) { // GNU base-256 for sizes >= 8 GiB
      long v = h[124] & 0x7F;
      for (int i = 125; i < 136; i++) {
        v = (v << 8) | (h[i] & 0xFF);
      }
      return v;
    }
    return parseOctal(h, 124, 12);
  }

  private static long parseOctal(byte[] h, int off, int len) {
    long v = 0;
    boolean any = false;
    for (int i = off; i < off + len; i++) {
      int c = h[i] & 0xFF;
      if (c == 0 || c == ' ') {
        if (any) {
          break;
        }
        continue;
      }
      if (c < '0' || c > '7') {
        return -1;
      }
      v = v * 8 + (c - '0');
      any = true;
    }
    return any ? v : -1;
  }

  private static String path(byte[] h) {
    String name = cString(h, 0, 100);
    boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
    String prefix = ustar ? cString(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  /** The {@code path} of a pax extended header ("{len} path=value\n" records), or null. */
  private static String paxPath(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    for (String line : s.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0 && line.startsWith("path=", sp + 1)) {
        return line.substring(sp + 1 + "path=".length());
      }
    }
    return null;
  }
}
