package io.liquidj.tokenizers.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointTest {
  private static final Path DIR = Fixtures.fixture("vqgan");
  private static final Path CKPT = DIR.resolve("vqgan.ckpt");

  @TempDir Path tmp;

  @Test
  void readsTheSameTensorsAsTheSafetensorsFile() {
    try (TorchCheckpoint ckpt = TorchCheckpoint.open(CKPT);
        SafetensorsFile st = SafetensorsFile.open(DIR.resolve("model.safetensors"))) {
      assertEquals(st.names().stream().sorted().toList(), ckpt.names().stream().sorted().toList());
      for (String name : st.names()) {
        assertArrayEquals(st.info(name).shape(), ckpt.info(name).shape(), name);
        assertArrayEquals(st.readFloats(name), ckpt.readFloats(name), name);
      }
    }
  }

  @Test
  void variableStoreLoadsFromTheTorchCheckpointIntoASharedGraph() {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph(); org.tensorflow.Session s = new org.tensorflow.Session(g);
        TorchCheckpoint ckpt = TorchCheckpoint.open(CKPT);
        SafetensorsFile st = SafetensorsFile.open(DIR.resolve("model.safetensors"))) {
      var store = new io.liquidj.framework.tf.VariableStore(org.tensorflow.op.Ops.create(g));
      var zeros = (io.liquidj.framework.tf.VariableStore.Initializer) (ops, spec) ->
          ops.zeros(ops.constant(org.tensorflow.ndarray.Shape.of(spec.shape())), org.tensorflow.types.TFloat32.class);
      store.create(new io.liquidj.framework.tf.ParameterSpec("vqgan.quant_conv.weight", new long[] {16, 32, 1, 1}), zeros);
      store.create(new io.liquidj.framework.tf.ParameterSpec("model.norm.weight", new long[] {4}), zeros);
      assertEquals(java.util.List.of("vqgan.quant_conv.weight"), store.load(s, ckpt, Vqgan::checkpointName));
      assertArrayEquals(st.readFloats("quant_conv.weight"), store.read(s, "vqgan.quant_conv.weight"));
    }
  }

  /** A copy of the fixture checkpoint whose data.pkl is rewritten by {@code edit}. */
  private Path withPickle(UnaryOperator<byte[]> edit) throws IOException {
    Path out = tmp.resolve("edited.ckpt");
    try (ZipFile in = new ZipFile(CKPT.toFile()); OutputStream os = Files.newOutputStream(out);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      for (ZipEntry e : java.util.Collections.list(in.entries())) {
        byte[] data = in.getInputStream(e).readAllBytes();
        zip.putNextEntry(new ZipEntry(e.getName()));
        zip.write(e.getName().endsWith("data.pkl") ? edit.apply(data) : data);
        zip.closeEntry();
      }
    }
    return out;
  }

  private static byte[] replace(byte[] data, String from, String to) {
    String s = new String(data, StandardCharsets.ISO_8859_1);
    assertTrue(s.contains(from), from);
    return s.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void unknownOpcodeIsRefusedWithItsOffset() throws IOException {
    Path bad = withPickle(d -> {
      byte[] c = d.clone();
      c[2] = 'i'; // INST in place of EMPTY_DICT: would import and call a class
      return c;
    });
    UserError e = assertThrows(UserError.class, () -> TorchCheckpoint.open(bad));
    assertTrue(e.getMessage().contains("unsupported pickle opcode 0x69 'i'") && e.getMessage().contains("at byte 2"),
        e.getMessage());
  }

  @Test
  void unknownGlobalIsRefusedAndNeverResolved() throws IOException {
    Path bad = withPickle(d -> replace(d, "collections\nOrderedDict\n", "os\nsystem\n"));
    UserError e = assertThrows(UserError.class, () -> TorchCheckpoint.open(bad));
    assertTrue(e.getMessage().contains("refusing global os.system"), e.getMessage());
  }

  @Test
  void missingTensorIsNamed() throws IOException {
    Path bad = withPickle(d -> replace(d, "encoder.conv_in.weight", "encoder.conv_XX.weight"));
    UserError e = assertThrows(UserError.class,
        () -> VqganTokenizer.load(VqganConfig.read(DIR.resolve("config.json")), bad));
    assertTrue(e.getMessage().contains("no tensor \"encoder.conv_in.weight\""), e.getMessage());
  }

  @Test
  void shapeMismatchNamesTensorAndBothShapes() throws IOException {
    // encoder.conv_in.bias: size tuple (32,) → (16,)
    Path bad = withPickle(d -> replace(d, "X\u0001\u0000\u0000\u00001q\u0011h\u0008K tq\u0012QK\u0000K \u0085",
        "X\u0001\u0000\u0000\u00001q\u0011h\u0008K tq\u0012QK\u0000K\u0010\u0085"));
    UserError e = assertThrows(UserError.class,
        () -> VqganTokenizer.load(VqganConfig.read(DIR.resolve("config.json")), bad));
    assertTrue(e.getMessage().contains("\"encoder.conv_in.bias\" has shape [16], expected [32]"), e.getMessage());
  }

  @Test
  void truncatedZipIsReportedAsSuch() throws IOException {
    byte[] all = Files.readAllBytes(CKPT);
    Path bad = tmp.resolve("truncated.ckpt");
    Files.write(bad, Arrays.copyOf(all, all.length / 2));
    UserError e = assertThrows(UserError.class, () -> TorchCheckpoint.open(bad));
    assertTrue(e.getMessage().contains("truncated.ckpt") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void truncatedPickleIsReportedAsSuch() throws IOException {
    Path bad = withPickle(d -> Arrays.copyOf(d, d.length / 3));
    UserError e = assertThrows(UserError.class, () -> TorchCheckpoint.open(bad));
    assertTrue(e.getMessage().contains("truncated data.pkl"), e.getMessage());
  }
}
