package io.liquidj.recipes.demo;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;

/**
 * One synthetic scene of the demo: a coloured shape at a named position on a coloured background,
 * with its caption ("a red circle at the top left on a blue background").
 */
public record ShapeScene(String color, String shape, String position, String background) {
  /** The palette: names and RGB values, far apart so a pixel classifier can tell them apart. */
  public static final List<String> COLORS = List.of("red", "green", "blue", "yellow", "white", "black");

  public static final List<String> SHAPES = List.of("circle", "square", "triangle");
  public static final List<String> POSITIONS = List.of("top left", "top right", "bottom left", "bottom right", "center");

  private static final int[][] RGB = {
    {220, 30, 30}, {30, 170, 50}, {30, 60, 220}, {240, 220, 40}, {245, 245, 245}, {15, 15, 15}
  };

  public ShapeScene {
    if (!COLORS.contains(color) || !COLORS.contains(background) || color.equals(background)) {
      throw new IllegalArgumentException("bad colours " + color + " on " + background);
    }
    if (!SHAPES.contains(shape) || !POSITIONS.contains(position)) {
      throw new IllegalArgumentException("bad shape/position " + shape + " / " + position);
    }
  }

  /** A random scene. */
  public static ShapeScene random(Random random) {
    String color = COLORS.get(random.nextInt(COLORS.size()));
    String background;
    do {
      background = COLORS.get(random.nextInt(COLORS.size()));
    } while (background.equals(color));
    return new ShapeScene(color, SHAPES.get(random.nextInt(SHAPES.size())),
        POSITIONS.get(random.nextInt(POSITIONS.size())), background);
  }

  /** The caption, as the demo trains and prompts with it. */
  public String caption() {
    return "a " + color + " " + shape + " at the " + position + " on a " + background + " background";
  }

  /** The RGB of a palette colour. */
  public static int[] rgb(String color) {
    return RGB[COLORS.indexOf(color)].clone();
  }

  /** Draws the scene at {@code size}×{@code size} pixels, exactly (the held-out truth, the judge's reference). */
  public BufferedImage render(int size) {
    return render(size, 0, 0, 0);
  }

  /**
   * Draws the scene with the shape moved by (dx, dy) pixels and its box grown by {@code grow} (negative: shrunk),
   * kept inside the image: a training picture of the same scene.
   */
  public BufferedImage render(int size, int dx, int dy, int grow) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setColor(awt(background));
    g.fillRect(0, 0, size, size);
    g.setColor(awt(color));
    int s = size / 2 + grow; // the shape's box: half the image
    int[] origin = origin(position, size, size / 2);
    int x = Math.max(0, Math.min(size - s, origin[0] + dx - grow / 2));
    int y = Math.max(0, Math.min(size - s, origin[1] + dy - grow / 2));
    switch (shape) {
      case "circle" -> g.fillOval(x, y, s, s);
      case "square" -> g.fillRect(x + s / 8, y + s / 8, s - s / 4, s - s / 4);
      case "triangle" -> g.fillPolygon(new Polygon(new int[] {x + s / 2, x, x + s}, new int[] {y, y + s, y + s}, 3));
      default -> throw new IllegalStateException(shape);
    }
    g.dispose();
    return image;
  }

  /** The top-left corner of the shape's box for a position. */
  static int[] origin(String position, int size, int box) {
    int margin = size / 16;
    int far = size - box - margin;
    int mid = (size - box) / 2;
    return switch (position) {
      case "top left" -> new int[] {margin, margin};
      case "top right" -> new int[] {far, margin};
      case "bottom left" -> new int[] {margin, far};
      case "bottom right" -> new int[] {far, far};
      case "center" -> new int[] {mid, mid};
      default -> throw new IllegalArgumentException(position);
    };
  }

  private static Color awt(String color) {
    int[] c = rgb(color);
    return new Color(c[0], c[1], c[2]);
  }
}
