export type { Filter } from "./compileRule.ts";
export { compileRule } from "./compileRule.ts";
export { matchesFilter, matchesRule, rulePaths } from "./evaluateRule.ts";
export type {
  BranchStep,
  DelayStep,
  ExitStep,
  JourneyDefinition,
  JourneyEntry,
  JourneyReentry,
  JourneyStep,
  SendStep,
  WaitForStep,
} from "./journeyDefinition.ts";
export { JOURNEY_BOUNDS, JourneyDefinitionSchema, STEP_TYPES } from "./journeyDefinition.ts";
export type { JourneyCondition, JourneyRule, JourneyRuleInput, PropertyCondition } from "./journeyRule.ts";
export { JourneyRuleSchema, matchesJourneyRule } from "./journeyRule.ts";
export { RULE_BOUNDS, ruleBoundsProblem } from "./ruleBounds.ts";
export { nextRuleChange, readsTimeWindows } from "./ruleChanges.ts";
export type {
  AttributeCondition,
  AttributeOp,
  Condition,
  EventCount,
  EventNotWithinCondition,
  EventWithinCondition,
  Rule,
  TimeWindow,
} from "./ruleSchema.ts";
export { RECENT_LIMIT, RuleSchema } from "./ruleSchema.ts";
export type { JourneyProblem, ParseJourneyResult } from "./validateJourney.ts";
export { journeyAudienceIds, journeyTemplateIds, parseJourneyDefinition } from "./validateJourney.ts";
export type { ValidateResult } from "./validateRule.ts";
export { validateRule } from "./validateRule.ts";
