// Offline Bicep evaluator for tests: parses templates with the real tree-sitter grammar and expands what they deploy.
export { evaluateTemplate, type Deployment, type ModuleInstance, type ResourceInstance } from './evaluate.js';
export { BicepError, type Loc } from './errors.js';
export { isResourceHandle, type ResourceHandle } from './values.js';
