package io.liquidj.framework;

/**
 * A mistake the user can fix: a wrong key, a missing file, an unsupported setting.
 *
 * <p>The CLI prints only the message (no stack trace unless {@code --debug}) and exits with code 2,
 * so the message must name the key or file, what was expected and what was found.
 */
public class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
