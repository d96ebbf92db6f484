package io.liquidj.framework.loss;

import io.liquidj.framework.UserError;

/** Which auxiliary loss keeps the softmax normaliser (or the largest logit) near zero. */
public enum ZLoss {
  /** weight · mean(logsumexp(logits)²): PaLM §5 ("z_loss"), Lumina-mGPT uses weight 1e-5. */
  LOGSUMEXP,
  /** weight · mean(max(logits)²): the "max-z loss" of Baichuan 2 §3.3 (weight 2e-4), cited by Liquid. */
  MAX_LOGIT;

  /** Parses {@code logsumexp} or {@code max-logit} (the value of {@code trainer.z-loss}). */
  public static ZLoss parse(String key, String value) {
    return switch (value) {
      case "logsumexp" -> LOGSUMEXP;
      case "max-logit" -> MAX_LOGIT;
      default -> throw new UserError(key + " must be logsumexp or max-logit, got \"" + value + "\"");
    };
  }
}
