import type { GraphQLSchema } from 'graphql';
import { analyzeOperation, type OperationAnalysis } from './analyze-operation.js';

export interface OperationAnalyzerOptions {
  /** Tokens allowed while parsing (graphql-js stops lexing past it). */
  readonly maxTokens: number;
  /** Distinct query texts remembered (default 1000). */
  readonly cacheSize?: number;
}

/**
 * Parses and measures each distinct (query, operationName) once: the verdict, refusal included,
 * is kept in a small LRU, so a client repeating an alias bomb costs a map lookup. The cache is
 * dropped when the schema changes: plugins keep per-analysis verdicts (cost, authorization)
 * that depend on the schema.
 */
export class OperationAnalyzer {
  readonly #options: OperationAnalyzerOptions;
  readonly #cache = new Map<string, OperationAnalysis | Error>();
  readonly #cacheSize: number;
  #schema: GraphQLSchema | undefined;

  constructor(options: OperationAnalyzerOptions) {
    this.#options = options;
    this.#cacheSize = options.cacheSize ?? 1000;
  }

  /** Distinct queries remembered (bounded by `cacheSize`). */
  get size(): number {
    return this.#cache.size;
  }

  get schema(): GraphQLSchema | undefined {
    return this.#schema;
  }

  setSchema(schema: GraphQLSchema): void {
    this.#schema = schema;
    this.#cache.clear();
  }

  /** The analysis, or throws the IntelGraphError that refuses the query. */
  analyze(query: string, operationName: string | undefined): OperationAnalysis {
    const key = operationName === undefined ? query : `${operationName}\u0000${query}`;
    let entry = this.#cache.get(key);
    if (entry === undefined) {
      try {
        entry = analyzeOperation(query, operationName, {
          maxTokens: this.#options.maxTokens,
        });
      } catch (error) {
        entry = error as Error;
      }
      if (this.#cache.size >= this.#cacheSize) {
        this.#cache.delete(this.#cache.keys().next().value as string);
      }
      this.#cache.set(key, entry);
    }
    if (entry instanceof Error) throw entry;
    return entry;
  }
}
