package io.liquidj.framework.optim;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.tf.VariableStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * LoRA (Hu et al. 2021) as a {@link Weights} wrapper: each adapted projection W [out,in] reads as
 * {@code W + (alpha/r)·B·A} with A [r,in] and B [out,r]. B starts at zero, so the model starts exactly
 * as the base; A starts uniform in ±1/sqrt(in) (PEFT's kaiming_uniform(a=√5) default).
 *
 * <p>The same reads give the merged weights for export: {@link #get} of an adapted name is the
 * merged tensor.
 */
public final class LoraWeights implements Weights {
  private final Ops tf;
  private final Weights base;
  private final VariableStore.GraphWeights adapters;
  private final LoraSettings settings;
  private final Map<String, Operand<TFloat32>> merged = new HashMap<>();

  private LoraWeights(Ops tf, Weights base, VariableStore.GraphWeights adapters, LoraSettings settings) {
    this.tf = tf;
    this.base = base;
    this.adapters = adapters;
    this.settings = settings;
  }

  /** Wraps {@code base}; the adapter variables must exist in {@code adapterStore} ({@link #createAdapters}). */
  public static LoraWeights wrap(Ops tf, Weights base, VariableStore adapterStore, LoraSettings settings) {
    return new LoraWeights(tf, base, adapterStore.weights(), settings);
  }

  /** Wraps {@code base} with adapters read through {@code adapterReads} (e.g. from another graph). */
  public static LoraWeights wrap(Ops tf, Weights base, VariableStore.GraphWeights adapterReads, LoraSettings settings) {
    return new LoraWeights(tf, base, adapterReads, settings);
  }

  /** The name of the A matrix of {@code name} (PEFT's layout: {@code q_proj.lora_A.weight}). */
  public static String loraA(String name) {
    return name.replaceFirst("\\.weight$", "") + ".lora_A.weight";
  }

  /** The projection an adapter matrix ({@link #loraA} or {@link #loraB} of it) belongs to. */
  public static String adaptedName(String adapter) {
    return adapter.replaceFirst("\\.lora_[AB]\\.weight$", ".weight");
  }

  /** The name of the B matrix of {@code name}. */
  public static String loraB(String name) {
    return name.replaceFirst("\\.weight$", "") + ".lora_B.weight";
  }

  /**
   * Creates A and B for every adapted 2-D parameter of {@code parameters} in {@code adapterStore}.
   *
   * @return the adapted parameter names
   */
  public static List<String> createAdapters(
      VariableStore adapterStore, List<ParameterSpec> parameters, LoraSettings settings, long seed) {
    List<ParameterSpec> adapted = parameters.stream()
        .filter(p -> settings.adapts(p.name()) && p.shape().length == 2)
        .toList();
    int index = 0;
    for (ParameterSpec p : adapted) {
      long out = p.shape()[0];
      long in = p.shape()[1];
      long[] seedPair = {seed, 1000 + index++};
      adapterStore.create(new ParameterSpec(loraA(p.name()), new long[] {settings.rank(), in}), (ops, spec) -> {
        float bound = (float) (1 / Math.sqrt(in));
        Operand<TFloat32> unit = ops.random.statelessRandomUniform(
            ops.constant(spec.shape()), ops.constant(seedPair), TFloat32.class);
        return ops.math.mul(ops.math.sub(ops.math.mul(unit, ops.constant(2f)), ops.constant(1f)), ops.constant(bound));
      });
      adapterStore.create(new ParameterSpec(loraB(p.name()), new long[] {out, settings.rank()}, ParameterSpec.Init.ZEROS),
          VariableStore.ZEROS);
    }
    return adapted.stream().map(ParameterSpec::name).toList();
  }

  /** The reads of the adapter matrices the merged weights use (gradients are taken against these). */
  public VariableStore.GraphWeights adapterReads() {
    return adapters;
  }

  @Override
  public Operand<TFloat32> get(String name) {
    if (!settings.adapts(name)) {
      return base.get(name);
    }
    return merged.computeIfAbsent(name, n -> {
      Ops scope = tf.withSubScope(n.replace('/', '_') + "_lora");
      // W [out,in] + (alpha/r) · B [out,r] · A [r,in]
      Operand<TFloat32> delta = scope.linalg.matMul(adapters.get(loraB(n)), adapters.get(loraA(n)));
      return scope.math.add(base.get(n), scope.math.mul(delta, scope.constant((float) settings.scale())));
    });
  }
}
