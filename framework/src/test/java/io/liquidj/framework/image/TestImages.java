package io.liquidj.framework.image;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/** Hostile image files for the tests. */
public final class TestImages {
  private TestImages() {}

  /** {@code png} with its IHDR rewritten to declare 20000×20000 pixels (1.6 GB decoded), its CRC fixed. */
  public static byte[] hugeHeaderPng(byte[] png) {
    byte[] b = png.clone();
    ByteBuffer header = ByteBuffer.wrap(b); // signature 8, length 4, "IHDR" 4, width 4, height 4, ...
    header.putInt(16, 20000).putInt(20, 20000);
    CRC32 crc = new CRC32();
    crc.update(b, 12, 4 + 13);
    header.putInt(29, (int) crc.getValue());
    return b;
  }
}
