package io.liquidj.recipes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.LocationProvider;
import com.tngtech.archunit.lang.ArchRule;
import io.liquidj.backbones.BackbonesModule;
import io.liquidj.framework.UserError;
import io.liquidj.tokenizers.TokenizersModule;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Dependencies point one way, {@code recipes → {backbones, tokenizers} → framework}, and no package
 * depends on itself through others. Runs here, where every module's main classes are on the classpath.
 */
@AnalyzeClasses(locations = ArchitectureTest.Modules.class, importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  /** The four modules' main classes, by where a class of each was loaded from (no classpath scan). */
  static final class Modules implements LocationProvider {
    @Override
    public Set<Location> get(Class<?> testClass) {
      return Stream.of(UserError.class, BackbonesModule.class, TokenizersModule.class, Main.class)
          .map(c -> Location.of(c.getProtectionDomain().getCodeSource().getLocation()))
          .collect(Collectors.toSet());
    }
  }

  @ArchTest
  static final ArchRule packagesHaveNoCycles = slices().matching("io.liquidj.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule frameworkSeesNoModuleAboveIt = noClasses().that().resideInAPackage("io.liquidj.framework..")
      .should().dependOnClassesThat()
      .resideInAnyPackage("io.liquidj.backbones..", "io.liquidj.tokenizers..", "io.liquidj.recipes..");

  @ArchTest
  static final ArchRule backbonesSeeOnlyTheFramework = noClasses().that().resideInAPackage("io.liquidj.backbones..")
      .should().dependOnClassesThat().resideInAnyPackage("io.liquidj.tokenizers..", "io.liquidj.recipes..");

  @ArchTest
  static final ArchRule tokenizersSeeOnlyTheFramework = noClasses().that().resideInAPackage("io.liquidj.tokenizers..")
      .should().dependOnClassesThat().resideInAnyPackage("io.liquidj.backbones..", "io.liquidj.recipes..");
}
