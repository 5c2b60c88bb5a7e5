package io.sandboxer.it.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.sandboxer.core.archfixture.CoreClassThatImportsABackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, checked on the compiled main classes of every module:
 * {@code adapter-* -> core <- backend-* -(ServiceLoader)-> bootstrap-* -> core}, backends below the lifecycle and
 * the Fleet (they implement the SPI, they do not orchestrate), and no package cycles inside core.
 */
class ArchitectureTest {
    private static final String CORE = "io.sandboxer.core..";
    private static final String BACKENDS = "io.sandboxer.backend..";
    private static final String RENDERERS = "io.sandboxer.bootstrap..";
    private static final String ADAPTERS = "io.sandboxer.adapter..";

    static final ArchRule CORE_KNOWS_NO_BACKEND_RENDERER_OR_ADAPTER = noClasses().that().resideInAPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage(BACKENDS, RENDERERS, ADAPTERS)
            .because("core is the SPI: it knows no backend, no renderer and no adapter");
    static final ArchRule ADAPTERS_KNOW_NO_BACKEND = noClasses().that().resideInAPackage(ADAPTERS)
            .should().dependOnClassesThat().resideInAPackage(BACKENDS)
            .because("adapters find backends through ServiceLoader by name").allowEmptyShould(true);
    static final ArchRule BACKENDS_KNOW_NO_ADAPTER_OR_RENDERER = noClasses().that().resideInAPackage(BACKENDS)
            .should().dependOnClassesThat().resideInAnyPackage(ADAPTERS, RENDERERS)
            .because("backends find renderers through ServiceLoader by format name").allowEmptyShould(true);
    static final ArchRule RENDERERS_KNOW_ONLY_CORE = noClasses().that().resideInAPackage(RENDERERS)
            .should().dependOnClassesThat().resideInAnyPackage(ADAPTERS, BACKENDS)
            .because("renderers turn a core BootstrapSpec into bytes, nothing more").allowEmptyShould(true);
    static final ArchRule ADAPTERS_ARE_INDEPENDENT = noClasses().that().resideInAPackage("io.sandboxer.adapter.fleeting..")
            .should().dependOnClassesThat().resideInAPackage("io.sandboxer.adapter.customexecutor..")
            .because("the two adapters share code only through core").allowEmptyShould(true);

    static final ArchRule BACKENDS_ARE_BELOW_THE_LIFECYCLE = noClasses().that().resideInAPackage(BACKENDS)
            .should().dependOnClassesThat().resideInAnyPackage("io.sandboxer.core.fleet..", "io.sandboxer.core.lifecycle..")
            .because("a backend implements the SPI; waiting, expiry and group management are core's, above it").allowEmptyShould(true);
    static final ArchRule CORE_HAS_NO_PACKAGE_CYCLES = slices().matching("io.sandboxer.core.(*)..").should().beFreeOfCycles()
            .because("each core package builds on the ones below it (docs/architecture.md, \"core packages\")");

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        // Test fixtures published as test-jars (core's, the backends', the runner emulator) may use backends: not shipped.
        ImportOption noTestJars = location -> !location.contains("-tests.jar");
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).withImportOption(noTestJars)
                .importPackages("io.sandboxer");
    }

    @Test
    void coreKnowsNoBackendRendererOrAdapter() {
        assertTrue(production.containPackage("io.sandboxer.core.fleet"), "core's classes were imported");
        CORE_KNOWS_NO_BACKEND_RENDERER_OR_ADAPTER.check(production);
    }

    @Test
    void adaptersKnowNoBackend() {
        ADAPTERS_KNOW_NO_BACKEND.check(production);
        ADAPTERS_ARE_INDEPENDENT.check(production);
    }

    @Test
    void backendsAndRenderersStayInTheirLane() {
        BACKENDS_KNOW_NO_ADAPTER_OR_RENDERER.check(production);
        RENDERERS_KNOW_ONLY_CORE.check(production);
    }

    @Test
    void backendsStayBelowTheLifecycleAndCoreHasNoCycles() {
        BACKENDS_ARE_BELOW_THE_LIFECYCLE.check(production);
        CORE_HAS_NO_PACKAGE_CYCLES.check(production);
    }

    /** The rule really fails on a violation (a test-only class pretending to be core). */
    @Test
    void theRuleCatchesAViolation() {
        JavaClasses offender = new ClassFileImporter().importClasses(CoreClassThatImportsABackend.class);
        AssertionError error = assertThrows(AssertionError.class, () -> CORE_KNOWS_NO_BACKEND_RENDERER_OR_ADAPTER.check(offender));
        assertTrue(error.getMessage().contains("io.sandboxer.backend"), error.getMessage());
    }
}
