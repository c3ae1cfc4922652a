package io.etcdfake.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fixture classes run only when a test runs them through EngineTestKit, never on their own. */
final class OnlyInTestKit implements ExecutionCondition {
  static final String PARAMETER = "etcdfake.fixtures";

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return context.getConfigurationParameter(PARAMETER).isPresent()
        ? ConditionEvaluationResult.enabled("run by EngineTestKit")
        : ConditionEvaluationResult.disabled("a fixture, run only through EngineTestKit");
  }
}
