package io.liquidj.framework.safetensors;

import io.liquidj.framework.UserError;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Element conversions from safetensors bytes to Java floats and ints. */
public final class Conversions {
  private Conversions() {}

  /** Converts {@code src} (the tensor's bytes) to f32, writing into {@code dst} from {@code offset}. */
  public static void toFloats(ByteBuffer src, TensorInfo info, float[] dst, int offset) {
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int n = Math.toIntExact(info.numElements());
    switch (info.dtype()) {
      case F32 -> b.asFloatBuffer().get(dst, offset, n);
      case F64 -> {
        for (int i = 0; i < n; i++) {
          dst[offset + i] = (float) b.getDouble(i * 8);
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[offset + i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst[offset + i] = halfToFloat(b.getShort(i * 2));
        }
      }
      default -> throw new UserError(info.name() + " has dtype " + info.dtype() + ", expected a float type (F32, BF16, F16, F64)");
    }
  }

  /** Converts {@code src} to f32 into a float buffer (e.g. a TensorFlow tensor's memory), chunk by chunk. */
  public static void toFloats(ByteBuffer src, TensorInfo info, FloatBuffer dst) {
    long n = info.numElements();
    if (info.dtype() == DType.F32) {
      dst.put(src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
      return;
    }
    int chunk = 1 << 16;
    float[] tmp = new float[chunk];
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int size = info.dtype().bytes();
    for (long start = 0; start < n; start += chunk) {
      int len = (int) Math.min(chunk, n - start);
      ByteBuffer part = b.duplicate();
      part.position((int) (start * size)).limit((int) ((start + len) * size));
      TensorInfo slice = new TensorInfo(info.name(), info.dtype(), new long[] {len}, 0, (long) len * size);
      toFloats(part.slice().order(ByteOrder.LITTLE_ENDIAN), slice, tmp, 0);
      dst.put(tmp, 0, len);
    }
  }

  /** Converts {@code src} to int32. */
  public static void toInts(ByteBuffer src, TensorInfo info, int[] dst) {
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int n = dst.length;
    switch (info.dtype()) {
      case I32, U32 -> b.asIntBuffer().get(dst, 0, n);
      case I64, U64 -> {
        for (int i = 0; i < n; i++) {
          long v = b.getLong(i * 8);
          if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new UserError(info.name() + "[" + i + "] = " + v + " does not fit in int32");
          }
          dst[i] = (int) v;
        }
      }
      case I16 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = b.getShort(i * 2);
        }
      }
      case U16 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = b.getShort(i * 2) & 0xffff;
        }
      }
      case I8 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = b.get(i);
        }
      }
      case U8, BOOL -> {
        for (int i = 0; i < n; i++) {
          dst[i] = b.get(i) & 0xff;
        }
      }
      default -> throw new UserError(info.name() + " has dtype " + info.dtype() + ", expected an integer type");
    }
  }

  /** IEEE half to float. */
  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant / 1024f * (float) Math.pow(2, -14);
      return sign != 0 ? -v : v;
    }
    if (exp == 31) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** Float to bfloat16 bits with round-to-nearest-even (as torch's {@code .to(bfloat16)}). */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) 0x7fc0;
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** Float to IEEE half bits, round-to-nearest-even. */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    if (((bits >>> 23) & 0xff) == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    if (exp >= 31) {
      return (short) (sign | 0x7c00);
    }
    if (exp <= 0) {
      if (exp < -10) {
        return (short) sign;
      }
      mant |= 0x800000;
      int shift = 14 - exp;
      int half = mant >>> shift;
      int rest = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rest > mid || (rest == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = sign | (exp << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
      half++;
    }
    return (short) half;
  }
}
