package io.liquidj.framework.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What {@code ./liquid --help} and {@code ./liquid <command> --help} say about a {@link LiquidCommand}, declared on
 * its class (as picocli's {@code @Command} does) and read by {@link LiquidCommand#summary()},
 * {@link LiquidCommand#examples()} and {@link LiquidCommand#configSections()}:
 *
 * <pre>{@code
 * @CommandHelp(
 *     summary = "Print the token ids of a text as JSON arrays",
 *     examples = {"./liquid tokenize runs/demo/tokenizer \"a red circle\""},
 *     configSections = {"tokenize", "tokenizer"})
 * public final class TokenizeCommand implements LiquidCommand {
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface CommandHelp {
  /** One line for {@code ./liquid --help}. */
  String summary();

  /** One or two example command lines for {@code <command> --help}. */
  String[] examples() default {};

  /**
   * The top-level sections of {@code reference.conf} the command reads; {@code <command> --help}
   * lists their keys with defaults and descriptions.
   */
  String[] configSections() default {};
}
