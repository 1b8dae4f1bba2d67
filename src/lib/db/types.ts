/** Anything that runs parameterised SQL ($1, $2, ...): a database, or a transaction on it. */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export type DatabaseKind = 'pglite' | 'postgres';

/** One parameterised statement of a pipeline. */
export interface Statement {
  text: string;
  params?: readonly unknown[];
}

/** A connection or transaction that can also run a multi-statement script (migrations). */
export interface ScriptQueryable extends Queryable {
  exec(script: string): Promise<void>;
}

export interface Database extends ScriptQueryable {
  readonly kind: DatabaseKind;
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs the statements in one transaction, sent together: one round trip however many there are
   * (each statement's rows, in order). For reads whose statements do not depend on each other.
   */
  pipeline(statements: readonly Statement[]): Promise<Record<string, unknown>[][]>;
  close(): Promise<void>;
}
