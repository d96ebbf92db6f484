package io.liquidj.framework.train;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneCheckpoints;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tf.Fetched;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.checkpoint.CheckpointManager;
import io.liquidj.framework.checkpoint.TrainerState;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.optim.LoraWeights;
import io.liquidj.framework.tf.VariableStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import io.liquidj.framework.distributed.ClusterServer;
import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.distributed.DistributedSettings;
import java.util.ArrayList;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.types.TFloat32;

/**
 * One training run: its graph and session, the variables (parameters, LoRA adapters, optimizer
 * state), the step, checkpoints, TensorBoard and the console. With {@code distributed.devices = N > 1}
 * each device holds a replica of every variable; checkpoints and exports read replica 0's, and loading
 * or resuming fills replica 0's and copies them to the others. A recipe drives it:
 * {@code resume → while (!done()) step(source) → checkpoint → exportModel → close}.
 */
public final class TrainingRun implements AutoCloseable {
  /** Fills the backbone's parameter variables of a fresh run (from a checkpoint, or from scratch). */
  @FunctionalInterface
  public interface ParameterLoader {
    void load(Session session, VariableStore parameters);
  }


  /** Accumulators: zero between steps, never saved. */
  private static final Predicate<String> ACCUMULATOR = name -> name.endsWith(".grad_accum");

  private final Backbone backbone;
  private final RunSettings settings;
  private final String resolvedConfig;
  private final PrintStream out;
  private final Graph graph = new Graph();
  private final VariableStore parameters;
  private final VariableStore adapters;
  private final VariableStore optimizerState;
  private final TrainGraph trainGraph;
  /** This process's replicas' variables, replica 0 first. */
  private final List<TrainGraph.ReplicaStores> replicaStores;
  /**
   * The variables each replica holds its own of (not replica 0's copy): ZeRO-1's shards and moments, ZeRO-3's
   * parameter shards and their optimizer state. Saved per replica, never synced.
   */
  private final Predicate<String> replicaOwn;
  /** ZeRO-3: the replicas' parameter variables are shards of the parameters. */
  private final boolean shardedParameters;
  /** Makes every replica's variables global replica 0's; null with one replica. */
  private final Op syncFromFirst;
  /** Completes when every process ran it; null in a single process. */
  private final Op barrier;
  /** The collectives' graph key and timeout; null with one replica. */
  private final RunOptions runOptions;
  /** Task 0 (or a single process): claims the folder, writes checkpoints, TensorBoard and the model. */
  private final boolean chief;
  /** This process's server in a cluster; null in a single process. */
  private final ClusterServer cluster;
  private final Session session;
  private final TrainStep trainStep;
  private final CheckpointManager checkpoints;
  private final long parameterCount;
  private final StepLog log;
  /** When this process ran its first step, and from which step: the ETA's pace. */
  private Path lastCheckpoint;

  /**
   * Claims {@code trainer.output-dir} (see {@link RunFolder}: another run there is an error unless resume or
   * overwrite), then builds the graph and session and fills the variables: parameters by {@code loader}, adapters
   * and optimizer state by their initializers.
   *
   * @param vocabulary the image-code range for the text/image loss split, or null
   * @param resolvedConfig saved in every checkpoint
   */
  public TrainingRun(Backbone backbone, MultimodalVocabulary vocabulary, RunSettings settings,
      ParameterLoader loader, String resolvedConfig, PrintStream out) {
    this.backbone = backbone;
    this.settings = settings;
    this.resolvedConfig = resolvedConfig;
    this.out = out;
    TrainerSettings trainer = settings.trainer();
    try {
      DistributedSettings distributed = settings.distributed();
      chief = distributed.chief();
      if (chief) {
        RunFolder.claim(trainer, out); // the other tasks write only their shard files into the chief's folder
      }
      Ops tf = Ops.create(graph);
      int n = distributed.devices();
      boolean gpus = distributed.replicated() && GpuProbe.gpuVisible();
      shardedParameters = distributed.replicated() && distributed.shard() == DistributedSettings.Shard.PARAMETERS;
      List<Ops> scopes = new ArrayList<>();
      List<TrainGraph.ReplicaStores> stores = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // Every replica's variables carry the same names; a variable is its device's.
        Ops scope = !distributed.replicated() ? tf
            : tf.withSubScope("replica" + i).withDevice(ReplicaOps.device(distributed, gpus, i));
        VariableStore replicaAdapters = new VariableStore(scope);
        // Under bf16, frozen parameters are bf16 variables (half the memory; no f32 master copy, no optimizer state).
        VariableStore replicaParameters = shardedParameters
            ? ParameterShards.createShards(scope, backbone, distributed.replicas(), settings::parameterStorage)
            : BackboneVariables.create(scope, backbone, trainer.seed(), settings::parameterStorage);
        if (settings.lora().enabled()) {
          List<String> adapted = LoraWeights.createAdapters(replicaAdapters, backbone.parameters(), settings.lora(),
              trainer.seed());
          if (adapted.isEmpty()) {
            throw new UserError("lora.targets match no 2-D parameter of " + backbone.config().source());
          }
        }
        scopes.add(scope);
        stores.add(new TrainGraph.ReplicaStores(replicaParameters, replicaAdapters, new VariableStore(scope)));
      }
      replicaStores = stores;
      parameters = stores.get(0).parameters();
      adapters = stores.get(0).adapters();
      optimizerState = stores.get(0).optimizerState();
      replicaOwn = name -> name.startsWith(OptimizerShards.PREFIX)
          || shardedParameters && parameters.contains(stateOwner(name));
      String hint = gpus ? "nccl" : "auto";
      int replicas = distributed.replicas();
      trainGraph = new TrainGraph(scopes, stores, backbone, settings, vocabulary,
          distributed.replicated() ? firstKey -> new Collectives(replicas, hint, firstKey) : null);
      syncFromFirst = distributed.replicated()
          ? ReplicaOps.syncFromFirst(scopes, stores, distributed, hint, replicaOwn) : null;
      barrier = distributed.multiProcess() ? ReplicaOps.barrier(scopes, replicas, hint) : null;
      runOptions = distributed.replicated() ? Collectives.runOptions(distributed.timeoutSeconds()) : null;
      ConfigProto config = sessionConfig(trainer.xla(), gpus ? 1 : n);
      if (distributed.multiProcess()) {
        cluster = ClusterServer.start(distributed, config);
        session = cluster.session(graph, config);
      } else {
        cluster = null;
        session = new Session(graph, config);
      }
      for (TrainGraph.ReplicaStores replica : stores) {
        replica.adapters().initializeAll(session);
        replica.optimizerState().initializeAll(session);
      }
      if (shardedParameters) {
        ParameterShards.load(loader, backbone, trainer.seed(), settings::parameterStorage, session,
            stores.stream().map(TrainGraph.ReplicaStores::parameters).toList(), distributed.firstReplica(), replicas);
      } else {
        loader.load(session, parameters);
      }
      syncFromFirst("loading the weights");
      trainStep = new TrainStep(session, trainGraph,
          settings.schedule().schedule(trainer.lr(), trainer.steps()), trainer, runOptions);
      checkpoints = new CheckpointManager(trainer.outputDir().resolve(RunFolder.CHECKPOINTS), trainer.keepLast());
      parameterCount = backbone.parameters().stream().mapToLong(ParameterSpec::size).sum();
      log = new StepLog(trainer, chief, parameterCount, out);
    } catch (IOException e) {
      closeQuietly();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * The session options: soft placement (ops without a GPU kernel fall back to CPU), GPU memory
   * that grows on demand, and XLA auto-clustering when asked for.
   */
  public static ConfigProto sessionConfig(boolean xla) {
    return sessionConfig(xla, 1);
  }

  /** {@link #sessionConfig(boolean)} with {@code cpuDevices} CPU devices (replicas on a machine without GPUs). */
  public static ConfigProto sessionConfig(boolean xla, int cpuDevices) {
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .putDeviceCount("CPU", cpuDevices)
        .setAllowSoftPlacement(true)
        .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
    if (xla) {
      config.setGraphOptions(GraphOptions.newBuilder().setOptimizerOptions(
          OptimizerOptions.newBuilder().setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1)));
    }
    return config.build();
  }

  /** With several replicas: makes every replica's variables global replica 0's (after loading or resuming). */
  private void syncFromFirst(String what) {
    if (syncFromFirst != null) {
      collectively(what, () -> session.runner().addTarget(syncFromFirst).setOptions(runOptions).run());
    }
  }

  /** Waits until every process got here (checkpoints: see {@link #checkpoint}). */
  private void barrier(String what) {
    if (barrier != null) {
      collectively(what, () -> session.runner().addTarget(barrier).setOptions(runOptions).run());
    }
  }

  /**
   * Runs {@code work}, whose collectives need every other process; when they fail (a process died, stopped
   * answering or failed itself) the run stops with one line naming the tasks that no longer answer. The session
   * is unusable after a failed collective (TensorFlow aborts the collective executor): the process must end, and a
   * relaunch with trainer.resume = true continues from the last complete checkpoint.
   */
  private <T> T collectively(String what, java.util.function.Supplier<T> work) {
    try {
      return work.get();
    } catch (TensorFlowException e) {
      if (cluster == null) {
        throw e;
      }
      List<String> lost = cluster.unreachablePeers(1000);
      String first = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new UserError("task " + settings.distributed().task() + ": " + what + " failed within "
          + "distributed.timeout-seconds = " + settings.distributed().timeoutSeconds() + ": "
          + (lost.isEmpty() ? "every other task's server still answers (one is stuck, slow or failed itself)"
              : "lost " + String.join(", ", lost))
          + "; restart every task with trainer.resume = true to continue from the last complete checkpoint ("
          + first + ")", e);
    }
  }

  /**
   * With {@code trainer.resume}, continues from the newest checkpoint (weights, optimizer, step,
   * data position); otherwise, or without a checkpoint, starts at step 0.
   *
   * @return the checkpoint resumed from
   */
  public Optional<Path> resumeIfAsked(BatchSource source) throws IOException {
    if (!settings.trainer().resume()) {
      return Optional.empty();
    }
    Optional<Path> latest = checkpoints.latest();
    if (latest.isEmpty()) {
      out.println("trainer.resume = true but " + settings.trainer().outputDir().resolve(RunFolder.CHECKPOINTS)
          + " holds no checkpoint: starting at step 0");
      return latest;
    }
    DistributedSettings distributed = settings.distributed();
    CheckpointManager.Manifest manifest = CheckpointManager.manifest(latest.get());
    if (manifest.processes() != distributed.processes()) {
      throw new UserError(latest.get() + " was written by " + manifest.processes() + " process(es), each with its own "
          + "data position; resume with as many (distributed.cluster has " + distributed.processes() + ")");
    }
    int sharded = sharded() ? distributed.replicas() : 0;
    String shard = sharded > 0 ? distributed.shard().name().toLowerCase(Locale.ROOT) : "none";
    if (manifest.shardedReplicas() != sharded || !manifest.shardOrNone().equals(shard)) {
      throw new UserError(latest.get() + " holds state sharded over " + manifest.shardedReplicas()
          + " replica(s) (distributed.shard = " + manifest.shardOrNone() + "); this run has " + sharded
          + " (distributed.shard = " + distributed.shard().name().toLowerCase(Locale.ROOT) + ", "
          + distributed.replicas() + " replicas): resume with the same distributed settings");
    }
    TrainerState state = CheckpointManager.load(latest.get(), session, sharedModel(), optimizerState,
        ACCUMULATOR.or(replicaOwn));
    syncFromFirst("resuming");
    if (sharded > 0) {
      for (int i = 0; i < replicaStores.size(); i++) {
        CheckpointManager.loadReplicaShard(latest.get(), distributed.firstReplica() + i, session,
            replicaFiles(replicaStores.get(i)), ACCUMULATOR.negate().and(replicaOwn));
      }
    }
    trainStep.restore(new TrainStep.State(state.step(), state.appliedUpdates(), state.nonFiniteInARow()));
    source.seek(CheckpointManager.dataPosition(latest.get(), distributed.task()));
    lastCheckpoint = latest.get();
    out.println("resumed from " + latest.get() + " at step " + state.step());
    return latest;
  }

  /** Whether each replica holds its own shard of the state (ZeRO-1 or ZeRO-3 with several replicas). */
  private boolean sharded() {
    return settings.distributed().replicated() && settings.distributed().shard() != DistributedSettings.Shard.NONE;
  }

  /** The stores of model.safetensors: the parameters (unless sharded, ZeRO-3) and the adapters. */
  private List<VariableStore> sharedModel() {
    return shardedParameters ? List.of(adapters) : List.of(parameters, adapters);
  }

  /** The stores a replica's own file holds variables of. */
  private List<VariableStore> replicaFiles(TrainGraph.ReplicaStores replica) {
    return shardedParameters ? List.of(replica.parameters(), replica.optimizerState())
        : List.of(replica.optimizerState());
  }

  /** The variable an optimizer-state name belongs to ({@code w.adam_m} → {@code w}), or the name itself. */
  private static String stateOwner(String name) {
    for (String suffix : new String[] {".adam_m", ".adam_v", ".grad_accum"}) {
      if (name.endsWith(suffix)) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return name;
  }

  /** Whether trainer.steps steps are done. */
  public boolean done() {
    return trainStep.state().step() >= settings.trainer().steps();
  }

  /**
   * One optimizer step, then logging and the periodic checkpoint. A step with a non-finite loss or
   * gradient norm is skipped (the graph does not apply it) and logged; max-non-finite-steps in a row
   * abort with a {@link UserError}, leaving the last checkpoint as it was.
   */
  public StepResult step(BatchSource source) throws IOException {
    TrainerSettings trainer = settings.trainer();
    log.startIfFirst(trainStep.state().step());
    StepResult r = collectively("step " + (trainStep.state().step() + 1), () -> trainStep.run(source));
    int done = r.step() + 1;
    if (!r.applied()) {
      out.printf(Locale.ROOT, "step %d: non-finite loss %s or gradient norm %s, update skipped (%d in a row)%n",
          done, r.loss(), r.gradNorm(), trainStep.state().nonFiniteInARow());
      if (trainStep.state().nonFiniteInARow() >= trainer.maxNonFiniteSteps()) {
        throw new UserError(trainStep.state().nonFiniteInARow() + " steps in a row had a non-finite loss or "
            + "gradient (trainer.max-non-finite-steps = " + trainer.maxNonFiniteSteps() + "), stopping at step " + done
            + "; lower trainer.lr or raise trainer.clip-norm / trainer.z-loss-weight. Last good checkpoint: "
            + (lastCheckpoint == null ? "none" : lastCheckpoint));
      }
    }
    log.stepped(r);
    if (trainer.checkpointEvery() > 0 && done % trainer.checkpointEvery() == 0 && done < trainer.steps()) {
      checkpoint(source);
    }
    return r;
  }

  /**
   * Writes a checkpoint of the current step (and prunes old ones); every process calls it at the same step:
   * task 0 writes the weights, then every task its data position and its replicas' ZeRO-1 shards, then task 0
   * the manifest that makes the checkpoint complete (two barriers between).
   *
   * @return the checkpoint's folder (complete once every task returned)
   */
  public Path checkpoint(BatchSource source) throws IOException {
    TrainStep.State s = trainStep.state();
    DistributedSettings distributed = settings.distributed();
    Path target = checkpoints.directoryOf(s.step());
    if (chief) {
      checkpoints.saveShared(session, sharedModel(), optimizerState, ACCUMULATOR.or(replicaOwn),
          new TrainerState(s.step(), s.appliedUpdates(), s.nonFiniteInARow(), settings.trainer().seed(),
              source.position()),
          resolvedConfig);
    }
    barrier("checkpoint " + target.getFileName() + " (weights written)");
    CheckpointManager.saveRank(target, distributed.task(), source.position());
    if (sharded()) {
      for (int i = 0; i < replicaStores.size(); i++) {
        checkpoints.saveReplicaShard(session, target, distributed.firstReplica() + i,
            replicaFiles(replicaStores.get(i)), ACCUMULATOR.negate().and(replicaOwn));
      }
    }
    barrier("checkpoint " + target.getFileName() + " (every task's files written)");
    if (chief) {
      checkpoints.complete(target, new CheckpointManager.Manifest(s.step(), distributed.processes(),
          sharded() ? distributed.replicas() : 0,
          sharded() ? distributed.shard().name().toLowerCase(Locale.ROOT) : "none"));
    }
    lastCheckpoint = target;
    return target;
  }

  /**
   * Writes the trained model as a Hugging Face folder: {@code config.json} (with the vocabulary
   * extension, if any) and {@code model.safetensors} in the config's dtype, LoRA merged into the
   * projections.
   */
  public Path exportModel(Path dir) throws IOException {
    if (!chief) {
      throw new IllegalStateException("only task 0 exports the model");
    }
    // A resumed run replaces its own model/ (RunFolder.claim refused, at the start, one that is not the run's).
    return BackboneCheckpoints.save(session, trainGraph.weights(), backbone, dir,
        settings.trainer().overwrite() || settings.trainer().resume());
  }

  public Session session() {
    return session;
  }

  public VariableStore parameters() {
    return parameters;
  }

  /** A backbone parameter's current value, whole (ZeRO-3: gathered from the replicas' shards), without LoRA. */
  public float[] parameterValue(String name) {
    if (!shardedParameters) {
      return parameters.read(session, name);
    }
    Operand<TFloat32> whole = trainGraph.wholeParameters().get(name);
    try (var result = session.runner().fetch(whole).run()) {
      return Fetched.floats(Fetched.tensor(result, whole));
    }
  }

  public VariableStore adapters() {
    return adapters;
  }

  public TrainGraph trainGraph() {
    return trainGraph;
  }

  /** Whether this process writes the run's folder, logs and model (task 0, or a single process). */
  public boolean chief() {
    return chief;
  }

  /** The step counters (next step, applied updates, non-finite streak). */
  public TrainStep.State state() {
    return trainStep.state();
  }

  /** The number of backbone parameters (for MFU). */
  public long parameterCount() {
    return parameterCount;
  }

  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    if (log != null) {
      log.close();
    }
    if (trainStep != null) {
      trainStep.close();
    }
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}
