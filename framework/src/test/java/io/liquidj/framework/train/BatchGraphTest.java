package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.loss.ZLoss;
import io.liquidj.framework.tf.VariableStore;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class BatchGraphTest {
  private static final BatchGraph.Settings SETTINGS = new BatchGraph.Settings(
      2, 6, BatchGraph.Masking.DOCUMENTS, ZLoss.LOGSUMEXP, 0.5, false, null);

  @Test
  void lossPartsAreReadByNameWhateverTheFetchOrder() {
    Batch batch = ListBatchSource.of(2, 6, TinyBackbone.VOCAB, 7).next();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      TinyBackbone backbone = new TinyBackbone();
      VariableStore parameters = BackboneVariables.create(tf, backbone, 3);
      BatchGraph batchGraph = new BatchGraph(tf, backbone, parameters.weights(), SETTINGS);
      LossParts loss = batchGraph.loss();
      try (Session session = new Session(graph); BatchGraph.Feed feed = batchGraph.newFeed()) {
        parameters.initializeAll(session);
        LossParts.Values inOrder;
        try (Result r = loss.fetchInto(feed.feed(session.runner(), batch)).run()) {
          inOrder = loss.values(r);
        }
        // The same parts fetched after the logits and in reverse order.
        LossParts.Values reversed;
        try (Result r = feed.feed(session.runner(), batch).fetch(batchGraph.logits())
            .fetch(loss.weightSum()).fetch(loss.imageCrossEntropy()).fetch(loss.textCrossEntropy())
            .fetch(loss.zLoss()).fetch(loss.crossEntropy()).fetch(loss.total()).run()) {
          reversed = loss.values(r);
        }
        assertEquals(inOrder, reversed);
        assertEquals(batch.trainedTokens(), inOrder.weightSum());
        assertNotEquals(inOrder.crossEntropy(), inOrder.zLoss());
      }
    }
  }

  @Test
  void aBatchOfAnotherShapeIsRefused() {
    Batch wide = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 7).next();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      TinyBackbone backbone = new TinyBackbone();
      BatchGraph batchGraph = new BatchGraph(tf, backbone, BackboneVariables.create(tf, backbone, 3).weights(), SETTINGS);
      try (Session session = new Session(graph); BatchGraph.Feed feed = batchGraph.newFeed()) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> feed.feed(session.runner(), wide));
        assertEquals("a [2, 8] batch fed to a [2, 6] batch graph", e.getMessage());
      }
    }
  }
}
