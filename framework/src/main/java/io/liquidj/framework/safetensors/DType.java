package io.liquidj.framework.safetensors;

import io.liquidj.framework.UserError;

/** The element types of the safetensors format, with their sizes in bytes. */
public enum DType {
  BOOL(1),
  U8(1),
  I8(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8),
  F8_E4M3(1),
  F8_E5M2(1);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether the type is a floating-point type readable as f32. */
  public boolean isFloat() {
    return this == F16 || this == BF16 || this == F32 || this == F64;
  }

  /** Parses the header's dtype string; {@code where} names the file and tensor for the error. */
  public static DType parse(String name, String where) {
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new UserError(where + ": unknown dtype \"" + name + "\" (known: BOOL, U8, I8, I16, U16, F16, BF16, "
          + "I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2)");
    }
  }
}
