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

  private ContactSheet() {}

  /**
   * The images in rows of {@code columns}, each cell as large as the largest image, with its caption
   * (cut with "…" to the cell width) on one line below it, on a white background.
   */
  public static RgbImage render(List<RgbImage> images, List<String> captions, int columns) {
    if (images.isEmpty() || images.size() != captions.size() || columns <= 0) {
      throw new IllegalArgumentException(images.size() + " images, " + captions.size() + " captions, "
          + columns + " columns: need at least one image, one caption each and columns > 0");
    }
    int cellW = images.stream().mapToInt(RgbImage::width).max().orElseThrow();
    int cellH = images.stream().mapToInt(RgbImage::height).max().orElseThrow();
    int cols = Math.min(columns, images.size());
    int rows = (images.size() + cols - 1) / cols;
    int lineH = FONT_SIZE + 6;
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
        g.drawImage(Images.toBufferedImage(images.get(i)), x, y, null);
        g.drawString(fit(captions.get(i), fm, cellW), x, y + cellH + fm.getAscent() + 2);
      }
    } finally {
      g.dispose();
    }
    return Images.fromBufferedImage(sheet);
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
