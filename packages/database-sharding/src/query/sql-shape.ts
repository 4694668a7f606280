/**
 * The shape of a SQL statement, as much as the cross-shard merge needs to know whether it can
 * answer what one database would: which aggregate calls it makes (and whether any is DISTINCT),
 * whether it has subqueries, set operations, joins, GROUP BY / HAVING / ORDER BY / LIMIT at the
 * top level, window calls. Not a parser: a lexer (comments, string literals, dollar quotes and
 * quoted identifiers are skipped or kept opaque, so a keyword inside them never counts) plus
 * parenthesis depth. What it cannot see, the merge refuses rather than guesses.
 */

export interface SqlToken {
  readonly kind: 'word' | 'quoted' | 'string' | 'param' | 'number' | 'punct';
  /** Lower-cased for words; the identifier's name for quoted identifiers. */
  readonly text: string;
  /** Parenthesis depth the token is at (0 = top level of the statement). */
  readonly depth: number;
}

export interface AggregateCall {
  readonly name: string;
  readonly distinct: boolean;
  /** Inside a nested SELECT (a subquery), not an aggregate of the statement itself. */
  readonly nested: boolean;
}

export type TopLevelClause =
  | 'group by'
  | 'having'
  | 'order by'
  | 'limit'
  | 'offset'
  | 'fetch'
  | 'window'
  | 'union'
  | 'union all'
  | 'intersect'
  | 'except';

export interface SqlShape {
  /** First keyword: `select`, `with`, `values`, `delete`, … */
  readonly verb: string;
  readonly tokens: readonly SqlToken[];
  /** Tokens of the top-level select list (between SELECT [DISTINCT] and FROM). */
  readonly selectList: readonly SqlToken[];
  /** Top-level FROM: absent (`SELECT 1`), one relation, or several (JOIN, comma). */
  readonly from: 'none' | 'single' | 'several';
  readonly clauses: ReadonlySet<TopLevelClause>;
  /** `SELECT DISTINCT` / `DISTINCT ON` at the top level. */
  readonly distinctSelect: boolean;
  /** DISTINCT inside a nested SELECT (subquery, derived table, CTE). */
  readonly distinctSubquery: boolean;
  readonly aggregates: readonly AggregateCall[];
  /** A SELECT nested inside the statement. */
  readonly subquery: boolean;
  /** An `OVER` (window function call) anywhere. */
  readonly window: boolean;
  /** More than one statement (`;` followed by more). */
  readonly multipleStatements: boolean;
}

/**
 * PostgreSQL's built-in aggregate functions (general-purpose, statistical, ordered-set and
 * hypothetical-set). A user-defined aggregate is not known here: see the README's limits.
 */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'any_value',
  'array_agg',
  'avg',
  'bit_and',
  'bit_or',
  'bit_xor',
  'bool_and',
  'bool_or',
  'count',
  'every',
  'json_agg',
  'json_agg_strict',
  'json_arrayagg',
  'json_object_agg',
  'json_object_agg_strict',
  'json_object_agg_unique',
  'json_object_agg_unique_strict',
  'json_objectagg',
  'jsonb_agg',
  'jsonb_agg_strict',
  'jsonb_object_agg',
  'jsonb_object_agg_strict',
  'jsonb_object_agg_unique',
  'jsonb_object_agg_unique_strict',
  'max',
  'min',
  'range_agg',
  'range_intersect_agg',
  'string_agg',
  'sum',
  'xmlagg',
  'corr',
  'covar_pop',
  'covar_samp',
  'regr_avgx',
  'regr_avgy',
  'regr_count',
  'regr_intercept',
  'regr_r2',
  'regr_slope',
  'regr_sxx',
  'regr_sxy',
  'regr_syy',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'mode',
  'percentile_cont',
  'percentile_disc',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'grouping',
]);

/** Splits SQL into tokens, dropping comments and whitespace. */
export function tokenize(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let depth = 0;
  let i = 0;
  const n = sql.length;
  const push = (kind: SqlToken['kind'], text: string): void => {
    tokens.push({ kind, text, depth });
  };
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let level = 0;
      do {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          level++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          level--;
          i += 2;
        } else i++;
      } while (i < n && level > 0);
    } else if (c === "'" || ((c === 'e' || c === 'E') && sql[i + 1] === "'")) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      push('string', '');
    } else if (c === '"') {
      let name = '';
      i++;
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (sql[i] === '"') break;
        else name += sql[i++];
      }
      i++;
      push('quoted', name);
    } else if (c === '$') {
      const param = /^\$\d+/.exec(sql.slice(i));
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (param) {
        i += param[0].length;
        push('param', param[0]);
      } else if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
        push('string', '');
      } else {
        i++;
        push('punct', '$');
      }
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i))!;
      i += m[0].length;
      push('word', m[0].toLowerCase());
    } else if (/[0-9.]/.test(c) && /^\.?[0-9]/.test(sql.slice(i, i + 2))) {
      const m = /^[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i))!;
      i += m[0].length;
      push('number', m[0]);
    } else if (c === '(') {
      push('punct', '(');
      depth++;
      i++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      push('punct', ')');
      i++;
    } else {
      push('punct', c);
      i++;
    }
  }
  return tokens;
}

const SELECT_LIST_END = new Set([
  'from',
  'where',
  'group',
  'having',
  'window',
  'order',
  'limit',
  'offset',
  'fetch',
  'union',
  'intersect',
  'except',
  'for',
  'into',
]);
const FROM_END = new Set([
  'where',
  'group',
  'having',
  'window',
  'order',
  'limit',
  'offset',
  'fetch',
  'union',
  'intersect',
  'except',
  'for',
]);

/** Reads the shape of one statement. */
export function sqlShape(sql: string): SqlShape {
  const tokens = tokenize(sql);
  const word = (t: SqlToken | undefined, text: string): boolean => t?.kind === 'word' && t.text === text;
  const verb = tokens[0]?.kind === 'word' ? tokens[0].text : tokens[0]?.text === '(' ? '(' : '';

  // A `(` followed by SELECT / WITH / VALUES opens a subquery; its `)` closes it.
  const clauses = new Set<TopLevelClause>();
  const aggregates: AggregateCall[] = [];
  let subquery = false;
  let window = false;
  let distinctSelect = false;
  let distinctSubquery = false;
  let multipleStatements = false;
  let nestedQueryDepth = 0; // >0 while inside a subquery
  const nestedAt: number[] = []; // depths at which a subquery opened
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'punct' && t.text === '(') {
      const isQuery =
        next?.kind === 'word' && (next.text === 'select' || next.text === 'with' || next.text === 'values');
      if (isQuery) {
        subquery = true;
        nestedAt.push(t.depth + 1);
        nestedQueryDepth++;
      }
      continue;
    }
    if (t.kind === 'punct' && t.text === ')') {
      if (nestedAt.at(-1) === t.depth + 1) {
        nestedAt.pop();
        nestedQueryDepth--;
      }
      continue;
    }
    if (t.kind === 'punct' && t.text === ';') {
      if (tokens.slice(i + 1).length > 0) multipleStatements = true;
      continue;
    }
    if (t.kind !== 'word') continue;
    const nested = nestedQueryDepth > 0;
    if (t.text === 'with' && i === 0) subquery = true; // a CTE is a nested query
    if (t.text === 'over' && (next?.kind === 'word' || next?.text === '(')) window = true;
    if (t.text === 'distinct') {
      const prev = tokens[i - 1];
      // `SELECT DISTINCT`, `UNION DISTINCT`, or `fn(DISTINCT …)`.
      if (prev?.text === '(' && i >= 2 && tokens[i - 2]!.kind === 'word') {
        const fn = tokens[i - 2]!.text;
        aggregates.push({ name: fn, distinct: true, nested });
      } else if (word(prev, 'select')) {
        if (nested || t.depth > 0) distinctSubquery = true;
        else distinctSelect = true;
      } else if (word(prev, 'union') || word(prev, 'intersect') || word(prev, 'except')) {
        if (nested || t.depth > 0) distinctSubquery = true;
      } else if (word(prev, 'is') || word(prev, 'not')) {
        // `IS [NOT] DISTINCT FROM`: a comparison, not a de-duplication.
      } else if (nested) distinctSubquery = true;
      else distinctSelect = true;
      continue;
    }
    if (next?.text === '(' && AGGREGATE_FUNCTIONS.has(t.text) && !word(tokens[i - 1], 'as')) {
      const distinct = word(tokens[i + 2], 'distinct');
      if (!distinct) aggregates.push({ name: t.text, distinct: false, nested });
      continue;
    }
    if (t.depth !== 0) continue;
    switch (t.text) {
      case 'group':
      case 'order':
        if (word(next, 'by')) clauses.add(t.text === 'group' ? 'group by' : 'order by');
        break;
      case 'having':
      case 'limit':
      case 'offset':
      case 'fetch':
      case 'window':
      case 'intersect':
      case 'except':
        clauses.add(t.text);
        break;
      case 'union':
        clauses.add(word(next, 'all') ? 'union all' : 'union');
        break;
    }
  }

  // Top-level select list and FROM.
  let start = tokens.findIndex((t) => t.depth === 0 && word(t, 'select'));
  const selectList: SqlToken[] = [];
  let from: SqlShape['from'] = 'none';
  if (start >= 0) {
    start++;
    if (word(tokens[start], 'distinct') || word(tokens[start], 'all')) {
      start++;
      if (word(tokens[start], 'on') && tokens[start + 1]?.text === '(') {
        // DISTINCT ON (…): skip the expression list.
        let j = start + 2;
        while (j < tokens.length && !(tokens[j]!.text === ')' && tokens[j]!.depth === 0)) j++;
        start = j + 1;
      }
    }
    let j = start;
    for (; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.depth === 0 && t.kind === 'word' && SELECT_LIST_END.has(t.text)) break;
      if (t.depth === 0 && t.text === ';') break;
      selectList.push(t);
    }
    if (word(tokens[j], 'from')) {
      from = 'single';
      for (let k = j + 1; k < tokens.length; k++) {
        const t = tokens[k]!;
        if (t.depth !== 0) continue;
        if ((t.kind === 'word' && FROM_END.has(t.text)) || t.text === ';') break;
        if (t.text === ',' || (t.kind === 'word' && t.text === 'join')) from = 'several';
      }
    }
  }
  return {
    verb,
    tokens,
    selectList,
    from,
    clauses,
    distinctSelect,
    distinctSubquery,
    aggregates,
    subquery,
    window,
    multipleStatements,
  };
}
