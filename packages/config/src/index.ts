export { describeConfig, formatConfigTable, type VariableDoc } from './describe-config.js';
export { type ConfigOf, type ConfigProblem, type ConfigSpec, loadConfig } from './load-config.js';
export { loadConfigOrExit, startOrExit } from './start-or-exit.js';
export type { DefinedVariable, OptionalVariable, Variable, VariableOptions } from './variable.js';
export { variables } from './variables.js';
