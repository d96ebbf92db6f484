package org.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * A {@link Session} whose runs go to a TensorFlow server ({@code grpc://host:port}): TensorFlow Java 1.1.0 has
 * no public constructor taking a target, so this class lives in package {@code org.tensorflow} (class path only)
 * and does what {@code Session}'s private {@code allocate} does, plus {@code TF_SetTarget}, then wraps the handle
 * with {@code Session}'s package-private constructor (the public API never calls TF_SetTarget).
 *
 * <p>Depends on TensorFlow Java 1.1.0's internals (the root pom pins that version); TargetedSessionsTest
 * checks it against a local server.
 */
public final class TargetedSessions {
  private TargetedSessions() {}

  /** A session on {@code graph} that runs on the server at {@code target}, e.g. {@code grpc://127.0.0.1:23400}. */
  public static Session create(Graph graph, String target, ConfigProto config) {
    try (Graph.Reference ref = graph.ref(); PointerScope scope = new PointerScope()) {
      if (ref.nativeHandle() == null || ref.nativeHandle().isNull()) {
        throw new IllegalStateException("Graph has been close()d");
      }
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
      TF_SetTarget(options, target);
      BytePointer bytes = new BytePointer(config.toByteArray());
      TF_SetConfig(options, bytes, bytes.capacity(), status);
      status.throwExceptionIfNotOK();
      TF_Session handle = TF_Session.newSession(ref.nativeHandle(), options, status);
      status.throwExceptionIfNotOK();
      return new Session(graph, (TF_Session) handle.retainReference());
    }
  }
}
