package io.liquidj.recipes.sweep;

import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * The scalars a training run logged to TensorBoard ({@code trainer.output-dir/tensorboard}), read back
 * by tag: {@code train/loss}, {@code train/tokens_per_second}, ... (see {@code TrainingRun.log}).
 * A resumed run adds an events file; where files overlap, the newer file's value of a step wins.
 */
final class TrainingCurves {
  private final Map<String, NavigableMap<Long, Double>> scalars;

  private TrainingCurves(Map<String, NavigableMap<Long, Double>> scalars) {
    this.scalars = scalars;
  }

  /** Reads every {@code events.out.tfevents.*} file of a folder, oldest first. */
  static TrainingCurves read(Path tensorBoardDir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(tensorBoardDir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents."))
          .sorted((p, q) -> Long.compare(p.toFile().lastModified(), q.toFile().lastModified())).toList();
    }
    Map<String, NavigableMap<Long, Double>> scalars = new HashMap<>();
    for (Path file : files) {
      for (Event e : events(file)) {
        for (Summary.Value v : e.getSummary().getValueList()) {
          double x = v.hasTensor() ? v.getTensor().getFloatVal(0) : v.getSimpleValue();
          scalars.computeIfAbsent(v.getTag(), t -> new TreeMap<>()).put(e.getStep(), x);
        }
      }
    }
    return new TrainingCurves(scalars);
  }

  /**
   * Step → training cross-entropy: {@code train/cross_entropy}, logged when a z-loss weight makes the loss differ
   * from it, else {@code train/loss}, which then is the cross-entropy.
   */
  NavigableMap<Long, Double> crossEntropy() {
    NavigableMap<Long, Double> separate = curve("train/cross_entropy");
    return separate.isEmpty() ? curve("train/loss") : separate;
  }

  /** Step → value of one tag (empty when never logged). */
  NavigableMap<Long, Double> curve(String tag) {
    return scalars.getOrDefault(tag, new TreeMap<>());
  }

  /** TFRecord framing: [u64 length][u32 masked crc][data][u32 masked crc] per record, data an Event proto. */
  private static List<Event> events(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new java.util.ArrayList<>();
    while (b.remaining() >= 12) {
      int length = Math.toIntExact(b.getLong());
      b.getInt();
      if (b.remaining() < length + 4) {
        break; // a record cut short by a killed run: the events before it are whole
      }
      byte[] data = new byte[length];
      b.get(data);
      b.getInt();
      try {
        events.add(Event.parseFrom(data));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new UserError("TensorBoard file " + file + " is not a TFRecord of events: " + e.getMessage(), e);
      }
    }
    return events;
  }
}
