package io.liquidj.recipes.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.typesafe.config.Config;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.backbones.BackbonesModule;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogitsCommandTest {
  private static LogitsCommand command() {
    Map<String, BackboneFactory> factories = Guice.createInjector(new BackbonesModule())
        .getInstance(Key.get(new TypeLiteral<Map<String, BackboneFactory>>() {}));
    return new LogitsCommand(new Backbones(factories));
  }

  /** Runs the command on {@code logits.checkpoint}, {@code logits.input}, {@code logits.output} and more keys. */
  private static int run(String checkpoint, String in, String out) throws Exception {
    return run(new PrintStream(new ByteArrayOutputStream()), checkpoint, in, out);
  }

  private static int run(PrintStream printTo, String checkpoint, String in, String out, String... more)
      throws Exception {
    List<String> overrides = new java.util.ArrayList<>(List.of("logits.checkpoint=" + checkpoint,
        "logits.input=" + in, "logits.output=" + out));
    overrides.addAll(List.of(more));
    Config config = RecipeConfig.load(java.util.Optional.empty(), overrides, LogitsCommandTest.class.getClassLoader());
    return command().run(new Invocation(config, List.of(), Set.of(), List.of(), printTo));
  }

  @Test
  void writesTheFixturesLogitsLossAndZLoss(@TempDir Path dir) throws Exception {
    Path fixture = Fixtures.fixture("hf/gemma2");
    Path out = dir.resolve("out.safetensors");
    assertEquals(0, run(fixture.toString(), fixture.resolve("io.safetensors").toString(), out.toString()));
    try (SafetensorsFile expected = SafetensorsFile.open(fixture.resolve("io.safetensors"));
        SafetensorsFile actual = SafetensorsFile.open(out)) {
      assertArrayEquals(expected.info("logits").shape(), actual.info("logits").shape());
      float[] e = expected.readFloats("logits");
      float[] a = actual.readFloats("logits");
      float max = 0;
      for (int i = 0; i < e.length; i++) {
        max = Math.max(max, Math.abs(e[i] - a[i]));
      }
      assertTrue(max <= 1e-4f, "logits max|diff| = " + max);
      for (String scalar : List.of("loss", "zloss")) {
        float want = expected.readFloats(scalar)[0];
        float got = actual.readFloats(scalar)[0];
        assertTrue(Math.abs(got - want) <= 1e-5 * Math.abs(want), scalar + ": expected " + want + ", got " + got);
      }
    }
  }

  @Test
  void compareReportsTheLargestLogitDifferenceInBothPrecisions(@TempDir Path dir) throws Exception {
    Path fixture = Fixtures.fixture("hf/llama3");
    String io = fixture.resolve("io.safetensors").toString();
    double f32 = comparedDiff(fixture, io, "f32", dir.resolve("f32.safetensors"));
    double bf16 = comparedDiff(fixture, io, "bf16", dir.resolve("bf16.safetensors"));
    System.out.printf("llama3 fixture logits max|diff|: f32 %.3e, bf16 %.3e%n", f32, bf16);
    assertTrue(f32 <= 1e-4, "f32 " + f32);
    assertTrue(bf16 > f32 && bf16 < 0.1, "bf16 " + bf16);
  }

  /** Runs {@code logits --precision p --compare io} and reads the printed max |diff|. */
  private static double comparedDiff(Path fixture, String io, String precision, Path out) throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    assertEquals(0, run(new PrintStream(text, true), fixture.toString(), io, out.toString(), "logits.precision=" + precision, "logits.compare=" + io));
    var m = java.util.regex.Pattern.compile("max_abs_diff (\\S+) \\(" + precision.toUpperCase(java.util.Locale.ROOT))
        .matcher(text.toString());
    assertTrue(m.find(), text.toString());
    return Double.parseDouble(m.group(1));
  }

  @Test
  void int64IdsWithoutMaskAreRead(@TempDir Path dir) throws Exception {
    Path fixture = Fixtures.fixture("hf/llama3");
    Path in = dir.resolve("in.safetensors");
    int[] ids;
    long[] shape;
    try (SafetensorsFile io = SafetensorsFile.open(fixture.resolve("io.safetensors"))) {
      ids = io.readInts("input_ids");
      shape = io.info("input_ids").shape();
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(ids.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int id : ids) {
      b.putLong(id);
    }
    b.flip();
    new SafetensorsWriter().add("input_ids", io.liquidj.framework.safetensors.DType.I64, shape, b).write(in);
    Path out = dir.resolve("out.safetensors");
    assertEquals(0, run(fixture.toString(), in.toString(), out.toString()));
    try (SafetensorsFile expected = SafetensorsFile.open(fixture.resolve("io.safetensors"));
        SafetensorsFile actual = SafetensorsFile.open(out)) {
      float want = expected.readFloats("loss")[0];
      assertEquals(want, actual.readFloats("loss")[0], 1e-5 * want);
    }
  }

  @Test
  void idsOutsideTheVocabularyAreAUserError(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("in.safetensors");
    new SafetensorsWriter().addInts("input_ids", new long[] {1, 2}, new int[] {1, 9999}).write(in);
    Path fixture = Fixtures.fixture("hf/llama3");
    UserError e = assertThrows(UserError.class,
        () -> run(fixture.toString(), in.toString(), dir.resolve("out.safetensors").toString()));
    assertTrue(e.getMessage().contains("9999"), e.getMessage());
  }

  @Test
  void inputsLongerThanTheContextAreRefusedBeforeBuildingTheGraph(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("in.safetensors");
    new SafetensorsWriter().addInts("input_ids", new long[] {1, 257}, new int[257]).write(in);
    Path fixture = Fixtures.fixture("hf/llama3");
    UserError e = assertThrows(UserError.class,
        () -> run(fixture.toString(), in.toString(), dir.resolve("out.safetensors").toString()));
    assertTrue(e.getMessage().contains("257 positions") && e.getMessage().contains("context of 256"), e.getMessage());
  }
}
