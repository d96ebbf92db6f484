package io.liquidj.framework.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory, from Linux's /proc/self (benchmarks: peak RSS of a phase). */
public final class HostMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private HostMemory() {}

  /** Resets VmHWM to the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0); false where refused. */
  public static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** A /proc/self/status field (VmRSS, VmHWM) in bytes, 0 where unavailable. */
  public static long status(String field) {
    if (!Files.isReadable(STATUS)) {
      return 0;
    }
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
