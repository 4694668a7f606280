export type { ErrorDefinition, ErrorSection } from './catalogue/error-definition.js';
export { type ErrorCode, errorCatalogue, isErrorCode } from './catalogue.js';
export { IntelGraphError, type IntelGraphErrorOptions } from './intelgraph-error.js';
export { toIntelGraphError } from './to-intelgraph-error.js';
