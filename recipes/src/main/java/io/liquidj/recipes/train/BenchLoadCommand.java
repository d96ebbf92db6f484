package io.liquidj.recipes.train;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.metrics.HostMemory;
import io.liquidj.framework.safetensors.Conversions;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tf.VariableStore;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * {@code ./liquid bench-load [shape]}: writes a synthetic bf16 checkpoint shaped like {@code shape}
 * (default {@code llama3.2-1b}) to a temporary folder, streamed with random values, then loads it
 * into the backbone's f32 variables and prints the load time and peak resident memory (VmHWM of
 * /proc/self/status, reset before loading where the kernel allows). Prints numbers, asserts nothing.
 */
@CommandHelp(
    summary = "Benchmark checkpoint loading: a synthetic Llama-3.2-1B-shaped bf16 checkpoint into variables",
    examples = {"./liquid bench-load", "./liquid bench-load bench-load.shape=qwen2.5-0.5b"},
    configSections = {"bench-load"})
public final class BenchLoadCommand implements LiquidCommand {
  private static final int CHUNK = 1 << 20;
  private final Backbones backbones;

  @Inject
  BenchLoadCommand(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public String usage() {
    return "[conf-file] [key=value ...] | [shape]";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("bench-load.shape");
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    String shape = invocation.required("bench-load.shape", "a named shape such as llama3.2-1b");
    ModelConfig config = Backbones.shape(shape);
    Backbone backbone = backbones.create(config, Precision.F32);
    Path dir = Files.createTempDirectory("liquidj-bench-load");
    try {
      long start = System.nanoTime();
      long bytes = writeCheckpoint(dir, config, backbone.parameters());
      double writeSeconds = (System.nanoTime() - start) / 1e9;
      invocation.out().printf("wrote %s: %d tensors, %.2f GB bf16 in %.1f s%n", shape, backbone.parameters().size(),
          bytes / 1e9, writeSeconds);

      boolean reset = HostMemory.resetPeak();
      long rssBefore = HostMemory.status("VmRSS");
      long heapBefore = usedHeap();
      try (Graph graph = new Graph(); Session session = new Session(graph)) {
        VariableStore store = BackboneVariables.create(Ops.create(graph), backbone, 0);
        start = System.nanoTime();
        long cpuStart = processCpuNanos();
        List<String> loaded = BackboneVariables.load(session, store, dir);
        double loadSeconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        long params = backbone.parameters().stream().mapToLong(ParameterSpec::size).sum();
        invocation.out().printf("loaded %d variables (%.3f B parameters, %.2f GB as f32) in %.2f s wall, %.2f s CPU "
                + "(%.2f GB/s of bf16 read per wall second)%n",
            loaded.size(), params / 1e9, params * 4 / 1e9, loadSeconds, cpuSeconds, bytes / 1e9 / loadSeconds);
        invocation.out().printf("RSS before load %.2f GB, peak RSS (VmHWM%s) %.2f GB, RSS after %.2f GB; "
                + "Java heap used %.0f MB before, %.0f MB after%n",
            rssBefore / 1e9, reset ? ", reset before load" : ", whole process", HostMemory.status("VmHWM") / 1e9,
            HostMemory.status("VmRSS") / 1e9, heapBefore / 1e6, usedHeap() / 1e6);
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
    return 0;
  }

  /** Writes config.json and model.safetensors with random bf16 values, chunk by chunk; returns the data bytes. */
  private static long writeCheckpoint(Path dir, ModelConfig config, List<ParameterSpec> specs) throws IOException {
    Files.writeString(dir.resolve("config.json"), config.toJson());
    SafetensorsWriter writer = new SafetensorsWriter();
    long total = 0;
    SplittableRandom random = new SplittableRandom(1);
    for (ParameterSpec spec : specs) {
      long n = spec.size();
      total += n * 2;
      writer.add(spec.name(), DType.BF16, spec.shape(), out -> {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < n; done += CHUNK) {
          int len = (int) Math.min(CHUNK, n - done);
          buffer.clear();
          for (int i = 0; i < len; i++) {
            buffer.putShort(Conversions.floatToBf16((float) ((random.nextDouble() - 0.5) * 0.04)));
          }
          buffer.flip();
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
        }
      });
    }
    writer.write(dir.resolve("model.safetensors"));
    return total;
  }

  /** CPU time of the whole process (all threads, TensorFlow's included). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }
}
