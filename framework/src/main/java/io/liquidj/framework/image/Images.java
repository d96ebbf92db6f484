package io.liquidj.framework.image;

import io.liquidj.framework.UserError;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.ImageBatch;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files to {@link RgbImage} and back, and {@link RgbImage}s to {@link ImageBatch}es in [-1, 1]
 * and back. Transparency is blended onto white as Chameleon's {@code ImageTokenizer._whiten_transparency}
 * does.
 */
public final class Images {
  private static final float JPEG_QUALITY = 0.95f;

  private Images() {}

  /**
   * The most pixels {@link #read} decodes: a few hundred KB of PNG can declare 20000×20000 (1.6 GB of
   * pixels), so larger images are refused from their header. {@code prepare} has its own setting
   * ({@code data.prepare.max-image-pixels}).
   */
  public static final long MAX_READ_PIXELS = 64_000_000L;

  /** The size an image's header declares. */
  public record Size(int width, int height) {
    public long pixels() {
      return (long) width * height;
    }

    @Override
    public String toString() {
      return width + "x" + height;
    }
  }

  /**
   * The size the header of the encoded image in {@code in} declares, read without decoding any pixel
   * (ImageIO's {@code ImageReader.getWidth/getHeight}), or null when no ImageIO reader knows the format.
   *
   * @throws IOException when the header is corrupt
   */
  public static Size declaredSize(InputStream in) throws IOException {
    try (ImageInputStream stream = ImageIO.createImageInputStream(in)) {
      Iterator<ImageReader> readers = stream == null ? null : ImageIO.getImageReaders(stream);
      if (readers == null || !readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(stream, true, true);
        return new Size(reader.getWidth(0), reader.getHeight(0));
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * Reads a PNG or JPEG (or anything ImageIO reads) as RGB, transparency blended onto white; an image
   * over {@link #MAX_READ_PIXELS} is a user error, found from its header before decoding.
   */
  public static RgbImage read(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new UserError("cannot read image " + path + ": no such file");
    }
    BufferedImage image;
    try (InputStream header = Files.newInputStream(path); InputStream in = Files.newInputStream(path)) {
      Size size = declaredSize(header);
      if (size != null && size.pixels() > MAX_READ_PIXELS) {
        throw new UserError("image " + path + " is " + size + " (" + size.pixels() + " pixels); images over "
            + MAX_READ_PIXELS + " pixels are refused before decoding: scale it down first");
      }
      image = ImageIO.read(in);
    } catch (IOException e) {
      throw new UserError("cannot read image " + path + ": " + e.getMessage(), e);
    }
    if (image == null) {
      throw new UserError("cannot read image " + path + ": not a PNG, JPEG, GIF or BMP file ImageIO can decode");
    }
    return fromBufferedImage(image);
  }

  /** The RGB pixels of {@code image}; alpha below 255 is blended onto white. */
  public static RgbImage fromBufferedImage(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] rgb = new byte[w * h * 3];
    Raster raster = image.getRaster();
    if (isPlainGray(image)) {
      // getRGB would convert linear gray to sRGB; PIL keeps "L" values as they are.
      int bits = image.getColorModel().getComponentSize(0);
      boolean alpha = raster.getNumBands() == 2;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = to8(raster.getSample(x, y, 0), bits);
          int a = alpha ? to8(raster.getSample(x, y, 1), bits) : 255;
          int out = blendOnWhite(v, a);
          int i = (y * w + x) * 3;
          rgb[i] = rgb[i + 1] = rgb[i + 2] = (byte) out;
        }
      }
      return new RgbImage(w, h, rgb);
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        int a = argb >>> 24;
        int i = (y * w + x) * 3;
        rgb[i] = (byte) blendOnWhite((argb >> 16) & 0xff, a);
        rgb[i + 1] = (byte) blendOnWhite((argb >> 8) & 0xff, a);
        rgb[i + 2] = (byte) blendOnWhite(argb & 0xff, a);
      }
    }
    return new RgbImage(w, h, rgb);
  }

  private static boolean isPlainGray(BufferedImage image) {
    return image.getColorModel() instanceof ComponentColorModel cm
        && cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
        && image.getRaster().getNumBands() <= 2;
  }

  private static int to8(int sample, int bits) {
    return bits == 8 ? sample : (int) Math.round(sample * 255.0 / ((1 << bits) - 1));
  }

  /** {@code uint8((1 - a) * 255 + a * c)} with a = alpha/255, as Chameleon blends (truncating). */
  static int blendOnWhite(int c, int alpha) {
    if (alpha == 255) {
      return c;
    }
    double a = alpha / 255.0;
    return (int) ((1 - a) * 255 + a * c);
  }

  /** An opaque {@code TYPE_INT_RGB} image of the pixels. */
  public static BufferedImage toBufferedImage(RgbImage image) {
    BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
    int[] row = new int[image.width()];
    for (int y = 0; y < image.height(); y++) {
      for (int x = 0; x < image.width(); x++) {
        row[x] = image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2);
      }
      out.setRGB(0, y, image.width(), 1, row, 0, image.width());
    }
    return out;
  }

  /** Writes PNG ({@code .png}) or JPEG ({@code .jpg}/{@code .jpeg}, quality 95) atomically. */
  public static void write(RgbImage image, Path path) throws IOException {
    String format = formatOf(path);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (format.equals("jpeg")) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(JPEG_QUALITY);
      }
      writer.write(null, new IIOImage(toBufferedImage(image), null, null), param);
    } finally {
      writer.dispose();
    }
    ByteBuffer data = ByteBuffer.wrap(bytes.toByteArray());
    AtomicFiles.write(path, ch -> {
      while (data.hasRemaining()) {
        ch.write(data);
      }
    });
  }

  private static String formatOf(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".png")) {
      return "png";
    }
    if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
      return "jpeg";
    }
    throw new UserError("cannot write image " + path + ": expected a .png, .jpg or .jpeg file name");
  }

  /** Whether the file name ends in .png, .jpg or .jpeg. */
  public static boolean isImageFile(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg");
  }

  /** Images of one size as a batch [B,3,H,W], pixel {@code v} → {@code v/255·2 − 1} (Chameleon). */
  public static ImageBatch toBatch(List<RgbImage> images) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no images");
    }
    int w = images.get(0).width();
    int h = images.get(0).height();
    int plane = w * h;
    float[] pixels = new float[images.size() * 3 * plane];
    for (int b = 0; b < images.size(); b++) {
      RgbImage im = images.get(b);
      if (im.width() != w || im.height() != h) {
        throw new IllegalArgumentException("image " + b + " is " + im.width() + "x" + im.height()
            + ", expected " + w + "x" + h + " like image 0");
      }
      byte[] rgb = im.rgb();
      for (int c = 0; c < 3; c++) {
        int base = (b * 3 + c) * plane;
        for (int p = 0; p < plane; p++) {
          pixels[base + p] = (float) ((rgb[p * 3 + c] & 0xff) / 255.0 * 2 - 1);
        }
      }
    }
    return new ImageBatch(pixels, images.size(), h, w);
  }

  /** Image {@code index} of a batch: clamped to [-1, 1], then {@code round((x + 1) · 127.5)}. */
  public static RgbImage fromBatch(ImageBatch batch, int index) {
    int w = batch.width();
    int h = batch.height();
    int plane = w * h;
    byte[] rgb = new byte[plane * 3];
    float[] pixels = batch.pixels();
    for (int c = 0; c < 3; c++) {
      int base = (index * 3 + c) * plane;
      for (int p = 0; p < plane; p++) {
        float v = Math.max(-1f, Math.min(1f, pixels[base + p]));
        rgb[p * 3 + c] = (byte) Math.round((v + 1.0) * 127.5);
      }
    }
    return new RgbImage(w, h, rgb);
  }
}
