package io.liquidj.recipes.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.image.ImagePreprocessing;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.tokenizers.vqgan.VqganSettings;
import io.liquidj.tokenizers.vqgan.VqganTokenizer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./liquid vq <tokenizer-dir> encode <image.png|jpg|in.safetensors> <out.json|out.safetensors>} and
 * {@code ./liquid vq <tokenizer-dir> decode <codes.json|in.safetensors> <out.png|jpg|out.safetensors> [--grid HxW]}.
 *
 * <p>Encode reads an image file (fitted by {@code vqgan.image-mode}) or a safetensors {@code image}
 * [B,3,H,W] in [-1,1], and writes {@code {"grid": [h, w], "codes": [[...]]}} or a safetensors file
 * with {@code codes} [B,h·w] and {@code pre_quant} [B,E,h,w]. Decode reads such JSON (or a bare list)
 * or a safetensors {@code codes} [B,h·w] and writes PNG/JPEG (clamped to [-1,1]; image i of a batch
 * of B goes to {@code name-i.png}) or a safetensors {@code decoded} [B,3,H,W], the decoder's raw output
 * as the PyTorch model returns it.
 */
@CommandHelp(
    summary = "Encode an image to VQGAN codes, or decode codes to an image (inspection)",
    examples = {"./liquid vq runs/demo/vq encode scene.png runs/codes.json",
        "./liquid vq vq.tokenizer=runs/demo/vq vq.action=decode vq.input=runs/codes.json vq.output=runs/back.png"},
    configSections = {"vq", "vqgan"})
public final class VqCommand implements LiquidCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject
  VqCommand() {}

  @Override
  public String usage() {
    return "[conf-file] [key=value ...]\n"
        + "       <tokenizer-dir> encode <image.png|jpg|in.safetensors> <out.json|out.safetensors>\n"
        + "       <tokenizer-dir> decode <codes.json|in.safetensors> <out.png|jpg|out.safetensors> [--grid HxW]";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("vq.tokenizer", "vq.action", "vq.input", "vq.output");
  }

  @Override
  public List<Flag> flags() {
    return List.of(new Flag("--grid", true, "vq.grid"));
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Path dir = Path.of(invocation.required("vq.tokenizer",
        "the tokenizer folder (config.json and model.safetensors or vqgan.ckpt)"));
    String action = invocation.required("vq.action", "encode or decode");
    Path in = Path.of(invocation.required("vq.input", "the input file"));
    Path out = Path.of(invocation.required("vq.output", "the output file"));
    if (!action.equals("encode") && !action.equals("decode")) {
      throw new UserError("vq.action (the second word) must be encode or decode, got \"" + action + "\"");
    }
    if (!java.nio.file.Files.isRegularFile(in)) {
      throw new UserError("input " + in + ": no such file");
    }
    VqganSettings settings = VqganSettings.from(invocation.config().getConfig("vqgan"));
    try (VqganTokenizer vq = VqganTokenizer.load(dir)) {
      if (action.equals("encode")) {
        encode(vq, settings, in, out, invocation);
      } else {
        decode(vq, in, out, invocation);
      }
    }
    return 0;
  }

  private static void encode(VqganTokenizer vq, VqganSettings settings, Path in, Path out, Invocation invocation)
      throws Exception {
    ImageBatch images;
    if (isSafetensors(in)) {
      try (SafetensorsFile file = SafetensorsFile.open(in)) {
        long[] shape = requireTensor(file, "image", in).shape();
        if (shape.length != 4 || shape[1] != 3) {
          throw new UserError(in + ": tensor \"image\" must be [B,3,H,W], got " + java.util.Arrays.toString(shape));
        }
        images = new ImageBatch(file.readFloats("image"), (int) shape[0], (int) shape[2], (int) shape[3]);
      }
    } else {
      int size = settings.imageSize() > 0 ? settings.imageSize() : vq.config().resolution();
      RgbImage image = ImagePreprocessing.apply(Images.read(in), settings.imageMode(), size, vq.downsampleFactor());
      images = Images.toBatch(List.of(image));
    }
    VqganTokenizer.Encoding enc = vq.encodeWithPreQuant(images);
    int b = images.batch();
    if (isSafetensors(out)) {
      int[] flat = new int[b * enc.h() * enc.w()];
      for (int i = 0; i < b; i++) {
        System.arraycopy(enc.codes()[i], 0, flat, i * enc.h() * enc.w(), enc.h() * enc.w());
      }
      new SafetensorsWriter()
          .addInts("codes", new long[] {b, (long) enc.h() * enc.w()}, flat)
          .addFloats("pre_quant", DType.F32, new long[] {b, vq.config().embedDim(), enc.h(), enc.w()}, enc.preQuant())
          .write(out);
    } else if (out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("grid", List.of(enc.h(), enc.w()));
      json.put("codes", enc.codes());
      AtomicFiles.writeString(out, JSON.writeValueAsString(json) + "\n");
    } else {
      throw new UserError("encode output " + out + ": expected a .json or .safetensors file name");
    }
    invocation.out().printf("encoded %d image(s) of %dx%d into %dx%d codes -> %s%n",
        b, images.width(), images.height(), enc.w(), enc.h(), out);
  }

  private static void decode(VqganTokenizer vq, Path in, Path out, Invocation invocation) throws Exception {
    int[][] codes;
    int[] grid = null;
    if (isSafetensors(in)) {
      try (SafetensorsFile file = SafetensorsFile.open(in)) {
        long[] shape = requireTensor(file, "codes", in).shape();
        if (shape.length != 2) {
          throw new UserError(in + ": tensor \"codes\" must be [B, h*w], got " + java.util.Arrays.toString(shape));
        }
        int[] flat = file.readInts("codes");
        codes = new int[(int) shape[0]][];
        for (int i = 0; i < codes.length; i++) {
          codes[i] = java.util.Arrays.copyOfRange(flat, (int) (i * shape[1]), (int) ((i + 1) * shape[1]));
        }
      }
    } else {
      JsonNode root = JSON.readTree(in.toFile());
      JsonNode list = root.isObject() ? root.get("codes") : root;
      if (root.isObject() && root.has("grid")) {
        grid = new int[] {root.get("grid").get(0).asInt(), root.get("grid").get(1).asInt()};
      }
      codes = parseCodes(list, in);
    }
    if (!invocation.config().getString("vq.grid").isEmpty()) {
      grid = parseGrid(invocation.config().getString("vq.grid"));
    }
    if (grid == null) {
      grid = inferGrid(codes[0].length, vq);
    }
    boolean raw = isSafetensors(out);
    ImageBatch images = raw ? vq.decodeUnclamped(codes, grid[0], grid[1]) : vq.decode(codes, grid[0], grid[1]);
    if (raw) {
      new SafetensorsWriter()
          .addFloats("decoded", DType.F32, new long[] {images.batch(), 3, images.height(), images.width()}, images.pixels())
          .write(out);
    } else {
      for (int i = 0; i < images.batch(); i++) {
        Images.write(Images.fromBatch(images, i), images.batch() == 1 ? out : numbered(out, i));
      }
    }
    invocation.out().printf("decoded %d image(s) of %dx%d codes into %dx%d pixels -> %s%n",
        images.batch(), grid[1], grid[0], images.width(), images.height(), out);
  }

  private static int[][] parseCodes(JsonNode list, Path in) {
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new UserError(in + ": expected {\"codes\": [[...]]} or a list of codes");
    }
    List<JsonNode> rows = new ArrayList<>();
    if (list.get(0).isArray()) {
      list.forEach(rows::add);
    } else {
      rows.add(list);
    }
    int[][] codes = new int[rows.size()][];
    for (int r = 0; r < rows.size(); r++) {
      JsonNode row = rows.get(r);
      codes[r] = new int[row.size()];
      for (int i = 0; i < row.size(); i++) {
        if (!row.get(i).canConvertToInt()) {
          throw new UserError(in + ": code " + i + " of row " + r + " is not an integer: " + row.get(i));
        }
        codes[r][i] = row.get(i).asInt();
      }
    }
    return codes;
  }

  /** "HxW" → {h, w}. */
  static int[] parseGrid(String value) {
    String[] parts = value.toLowerCase(Locale.ROOT).split("x");
    try {
      if (parts.length == 2) {
        int h = Integer.parseInt(parts[0].trim());
        int w = Integer.parseInt(parts[1].trim());
        if (h > 0 && w > 0) {
          return new int[] {h, w};
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UserError("--grid must be HxW with positive integers (e.g. 32x32), got \"" + value + "\"");
  }

  /** The config's grid (resolution / factor) when it fits, else a square grid, else an error asking for --grid. */
  private static int[] inferGrid(int n, VqganTokenizer vq) {
    int side = vq.config().resolution() / vq.downsampleFactor();
    if (side * side == n) {
      return new int[] {side, side};
    }
    int root = (int) Math.round(Math.sqrt(n));
    if (root * root == n) {
      return new int[] {root, root};
    }
    throw new UserError(n + " codes per image do not form the config's " + side + "x" + side
        + " grid or any square; give the grid with --grid HxW");
  }

  private static io.liquidj.framework.safetensors.TensorInfo requireTensor(SafetensorsFile file, String name, Path path) {
    if (!file.contains(name)) {
      throw new UserError(path + " has no tensor \"" + name + "\" (has: " + file.names() + ")");
    }
    return file.info(name);
  }

  private static boolean isSafetensors(Path p) {
    return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
  }

  private static Path numbered(Path out, int i) {
    String name = out.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return out.resolveSibling(name.substring(0, dot) + "-" + i + name.substring(dot));
  }
}
