package io.liquidj.framework.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** A grid of images with one caption line under each (generation's sample sheets). */
public final class ContactSheet {
  private static final int MARGIN = 8;
  private static final int FONT_SIZE = 14;
  /** Images smaller than this are scaled up by a whole factor (nearest neighbour: pixels stay sharp). */
  private static final int MIN_CELL = 160;
  /** Captions wrap onto at most this many lines; the last is cut with "…". */
  private static final int MAX_LINES = 3;

  private ContactSheet() {}

  /**
   * The images in rows of {@code columns}, each cell as large as the largest image (small images
   * scaled up by a whole factor to at least {@value #MIN_CELL} pixels), with its caption word-wrapped
   * below it (at most {@value #MAX_LINES} lines), on a white background.
   */
  public static RgbImage render(List<RgbImage> images, List<String> captions, int columns) {
    if (images.isEmpty() || images.size() != captions.size() || columns <= 0) {
      throw new IllegalArgumentException(images.size() + " images, " + captions.size() + " captions, "
          + columns + " columns: need at least one image, one caption each and columns > 0");
    }
    int largest = images.stream().mapToInt(i -> Math.max(i.width(), i.height())).max().orElseThrow();
    int scale = Math.max(1, (MIN_CELL + largest - 1) / largest);
    int cellW = scale * images.stream().mapToInt(RgbImage::width).max().orElseThrow();
    int cellH = scale * images.stream().mapToInt(RgbImage::height).max().orElseThrow();
    int cols = Math.min(columns, images.size());
    int rows = (images.size() + cols - 1) / cols;
    int lineH = MAX_LINES * (FONT_SIZE + 4) + 2;
    int width = MARGIN + cols * (cellW + MARGIN);
    int height = MARGIN + rows * (cellH + lineH + MARGIN);
    BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, FONT_SIZE));
      g.setColor(Color.BLACK);
      FontMetrics fm = g.getFontMetrics();
      for (int i = 0; i < images.size(); i++) {
        int x = MARGIN + (i % cols) * (cellW + MARGIN);
        int y = MARGIN + (i / cols) * (cellH + lineH + MARGIN);
        RgbImage image = images.get(i);
        g.drawImage(Images.toBufferedImage(image), x, y, image.width() * scale, image.height() * scale, null);
        List<String> lines = wrap(captions.get(i), fm, cellW);
        for (int l = 0; l < lines.size(); l++) {
          g.drawString(lines.get(l), x, y + cellH + fm.getAscent() + 2 + l * (FONT_SIZE + 4));
        }
      }
    } finally {
      g.dispose();
    }
    return Images.fromBufferedImage(sheet);
  }

  /** Word-wraps {@code caption} to the width, at most {@link #MAX_LINES} lines. */
  static List<String> wrap(String caption, FontMetrics fm, int width) {
    List<String> lines = new java.util.ArrayList<>();
    StringBuilder line = new StringBuilder();
    String[] words = caption.replace('\n', ' ').split(" ");
    for (int w = 0; w < words.length; w++) {
      String candidate = line.length() == 0 ? words[w] : line + " " + words[w];
      if (fm.stringWidth(candidate) <= width || line.length() == 0) {
        line = new StringBuilder(candidate);
        continue;
      }
      if (lines.size() == MAX_LINES - 1) {
        lines.add(fit(String.join(" ", java.util.Arrays.copyOfRange(words, w - countWords(line), words.length)), fm, width));
        return lines;
      }
      lines.add(line.toString());
      line = new StringBuilder(words[w]);
    }
    lines.add(fit(line.toString(), fm, width));
    return lines;
  }

  private static int countWords(StringBuilder line) {
    return line.toString().split(" ").length;
  }

  private static String fit(String caption, FontMetrics fm, int width) {
    String line = caption.replace('\n', ' ');
    if (fm.stringWidth(line) <= width) {
      return line;
    }
    int end = line.length();
    while (end > 0 && fm.stringWidth(line.substring(0, end) + "…") > width) {
      end--;
    }
    return line.substring(0, end) + "…";
  }
}
