package io.liquidj.framework.tokenizer;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * An image tokenizer's decoder as a graph function (the VQGAN's, the patch VQ's), so an export can turn
 * generated codes into pixels in the same graph as the backbone. The recipe gets it from {@link
 * ImageTokenizerFactory#decoder} (framework code does not know the tokenizers module), creates its {@link
 * #parameters()} in the generation graph's {@code VariableStore} and loads them from {@link
 * ImageTokenizerFactory#openWeights} through {@link #weightName}.
 */
public interface CodesToPixels {
  /**
   * codes [n, h·w] int32 (raster order) → images [n, 3, h·f, w·f] f32, about [-1, 1], not clamped; h and w
   * int32 scalars (an export's grid is an input, known only when the graph runs).
   */
  Operand<TFloat32> decode(Ops tf, Weights weights, Operand<TInt32> codes, Operand<TInt32> h, Operand<TInt32> w);

  /** The variables {@link #decode} reads, by the names it reads them under. */
  List<ParameterSpec> parameters();

  /** The name in the tokenizer's weights file of one of {@link #parameters()}, or null for any other variable. */
  String weightName(String variableName);

  /** The number of codes. */
  int codebookSize();

  /** Pixels per code along each side. */
  int downsampleFactor();
}
