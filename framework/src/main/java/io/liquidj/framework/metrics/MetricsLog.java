package io.liquidj.framework.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * {@code metrics.jsonl} beside the TensorBoard events: one JSON object per logged step, {@code {"split":
 * "train", "step": 10, "loss": 2.31, ...}}, appended and flushed at once so that {@code tail -f}, {@code jq} or a
 * notebook read it while the run goes on (a resumed run appends). A non-finite value is written as {@code null}.
 */
public final class MetricsLog implements AutoCloseable {
  /** The file's name inside the TensorBoard folder. */
  public static final String FILE = "metrics.jsonl";

  private final ObjectMapper mapper = new ObjectMapper();
  private final BufferedWriter writer;

  public MetricsLog(Path dir) throws IOException {
    Files.createDirectories(dir);
    writer = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** Appends one line: {@code split} ("train", "eval"), {@code step} and the values by name. */
  public void write(String split, long step, Map<String, Double> values) {
    ObjectNode line = mapper.createObjectNode().put("split", split).put("step", step);
    values.forEach((name, v) -> {
      if (Double.isFinite(v)) {
        line.put(name, v);
      } else {
        line.putNull(name);
      }
    });
    try {
      writer.write(line.toString());
      writer.newLine();
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
