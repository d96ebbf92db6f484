package io.liquidj.framework.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

public class TensorBoardTest {
  @TempDir Path dir;

  /** Reads every Event of a TFRecord file: [u64 length][u32 masked crc][data][u32 masked crc] per record. */
  public static List<Event> readEvents(Path file) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new java.util.ArrayList<>();
    while (b.remaining() >= 12) {
      int length = Math.toIntExact(b.getLong());
      b.getInt();
      byte[] data = new byte[length];
      b.get(data);
      b.getInt();
      events.add(Event.parseFrom(data));
    }
    assertEquals(0, b.remaining(), "trailing bytes in " + file);
    return events;
  }

  @Test
  void scalarsLandInAnEventFileWithTheirTagsStepsAndValues() throws Exception {
    try (TensorBoard tb = new TensorBoard(dir)) {
      tb.scalar("loss", 1, 2.5);
      tb.scalar("mfu", 1, 0.25);
      tb.scalar("loss", 2, 2.0);
      tb.flush();
    }
    List<Path> files;
    try (var s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
    }
    assertEquals(1, files.size());
    Map<String, Float> last = new HashMap<>();
    int scalars = 0;
    for (Event e : readEvents(files.get(0))) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        float x = v.hasTensor() ? v.getTensor().getFloatVal(0) : v.getSimpleValue();
        last.put(v.getTag() + "@" + e.getStep(), x);
        scalars++;
      }
    }
    assertEquals(3, scalars);
    assertEquals(2.5f, last.get("loss@1"));
    assertEquals(0.25f, last.get("mfu@1"));
    assertEquals(2.0f, last.get("loss@2"));
    assertTrue(files.get(0).getFileName().toString().endsWith(".liquidj"));
  }
}
