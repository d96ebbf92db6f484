package io.liquidj.framework.export;

import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Save and restore ops for a {@link VariableStore}'s resource variables, under the exact names
 * {@code Graph.saverDef()} looks for ({@code save/filename}, {@code save/control_dependency},
 * {@code save/restore_all}). TF Java 1.1.0's own saver collects only ref variables, so it
 * writes nothing for resource variables; with these ops {@code Session.save} and {@code SavedModelBundle.exporter}
 * write the weights into {@code variables/} and the C++ loader restores them.
 *
 * <p>Build it once, after every variable exists and before the first save or export: the saver
 * definition is cached by the graph.
 */
public final class ResourceSaver {
  private ResourceSaver() {}

  /** Adds the saver ops for every variable of {@code store} to its graph ({@code tf}'s root scope). */
  public static void build(Ops tf, VariableStore store) {
    Ops save = tf.withSubScope("save");
    List<String> names = new ArrayList<>();
    List<Operand<?>> reads = new ArrayList<>();
    for (VariableStore.Variable v : store.all()) {
      names.add(v.spec().name());
      reads.add(save.readVariableOp(v.handle(), v.type())); // bf16 variables are saved as bf16
    }
    Placeholder<TString> filename = save.withName("filename").placeholder(TString.class, Placeholder.shape(Shape.scalar()));
    Operand<TString> tensorNames = save.constant(NdArrays.vectorOfObjects(names.toArray(String[]::new)));
    Operand<TString> slices = save.constant(NdArrays.vectorOfObjects(Collections.nCopies(names.size(), "").toArray(String[]::new)));
    Op written = save.train.save(filename, tensorNames, slices, reads);
    save.withName("control_dependency").withControlDependencies(List.of(written)).identity(filename);

    List<Class<? extends TType>> types = new ArrayList<>();
    store.all().forEach(v -> types.add(v.type()));
    Restore restore = save.train.restore(filename, tensorNames, slices, types);
    List<Op> assigns = new ArrayList<>();
    int i = 0;
    for (VariableStore.Variable v : store.all()) {
      assigns.add(save.assignVariableOp(v.handle(), restore.tensors().get(i++)));
    }
    save.withName("restore_all").withControlDependencies(assigns).noOp();
  }
}
