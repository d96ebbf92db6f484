package io.liquidj.framework.generate;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.While;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/** Images to PNG bytes inside the graph (one {@code EncodePng} per image of a dynamic batch). */
public final class PngGraph {
  private PngGraph() {}

  /**
   * images [n, 3, H, W] f32 in [-1, 1] (clamped here) → PNG bytes [n] string, RGB 8-bit, pixels
   * round((x + 1) · 127.5) as {@code Images.fromBatch} writes them.
   */
  public static Operand<TString> encode(Ops g, Operand<TFloat32> images) {
    Operand<TFloat32> clamped = g.clipByValue(images, g.constant(-1f), g.constant(1f));
    Operand<TFloat32> levels = g.math.round(g.math.mul(g.math.add(clamped, g.constant(1f)), g.constant(127.5f)));
    Operand<TUint8> hwc = g.dtypes.cast(
        g.linalg.transpose(levels, g.constant(new int[] {0, 2, 3, 1})), TUint8.class); // [n,H,W,3]
    Operand<TInt32> n = g.gather(g.shape(hwc), g.constant(0), g.constant(0));
    Operand<TString> empty = g.fill(g.expandDims(n, g.constant(0)), g.constant(""));
    List<Operand<?>> vars = List.of(g.constant(0), hwc, empty);
    // EncodePng takes one [H,W,3] image: a while loop writes image i's bytes into slot i.
    try (ConcreteFunction cond = function("png_cond", vars, (f, v) -> List.of(
            f.math.less(int32(v.get(0)), f.gather(f.shape(v.get(1)), f.constant(0), f.constant(0)))));
        ConcreteFunction body = function("png_body", vars, (f, v) -> {
          Operand<TInt32> i = int32(v.get(0));
          @SuppressWarnings("unchecked")
          Operand<TUint8> all = (Operand<TUint8>) v.get(1);
          @SuppressWarnings("unchecked")
          Operand<TString> pngs = (Operand<TString>) v.get(2);
          Operand<TString> png = f.image.encodePng(f.gather(all, i, f.constant(0)));
          Operand<TBool> here = f.math.equal(
              f.range(f.constant(0), f.gather(f.shape(pngs), f.constant(0), f.constant(0)), f.constant(1)), i); // [n]
          return List.of(f.math.add(i, f.constant(1)), all, f.select(here, f.fill(f.shape(pngs), png), pngs));
        })) {
      While loop = g.whileOp(vars, cond, body);
      @SuppressWarnings("unchecked")
      Operand<TString> out = (Operand<TString>) loop.output().get(2);
      return g.identity(out);
    }
  }

  private static ConcreteFunction function(
      String key, List<Operand<?>> vars, java.util.function.BiFunction<Ops, List<Operand<?>>, List<Operand<?>>> build) {
    return ConcreteFunction.create(f -> {
      Signature.Builder sig = Signature.builder().key(key);
      List<Operand<?>> inputs = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        Operand<?> in = placeholder(f, vars.get(i));
        sig.input("v" + i, in);
        inputs.add(in);
      }
      List<Operand<?>> outputs = build.apply(f, inputs);
      for (int i = 0; i < outputs.size(); i++) {
        sig.output("v" + i, outputs.get(i));
      }
      return sig.build();
    });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Operand<?> placeholder(Ops f, Operand<?> like) {
    return f.placeholder((Class) like.type(), Placeholder.shape(like.shape()));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TInt32> int32(Operand<?> x) {
    return (Operand<TInt32>) x;
  }
}
