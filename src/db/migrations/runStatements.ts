import type { Knex } from 'knex';

/**
 * Runs a script of SQL statements separated by `;` at line ends, one statement per query: PGlite's
 * extended-protocol queries accept a single statement only. Scripts must not contain `;` at a line
 * end inside a string literal.
 */
export async function runStatements(knex: Knex, script: string): Promise<void> {
  const statements = script
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter((s) => s.length > 0);
  for (const statement of statements) await knex.raw(statement);
}
