import type { ColumnDefinitionBuilder } from 'kysely';
import type { DialectName } from '../database.js';

/** What a migration needs to know about the dialect (declared capabilities, not `if` chains). */
export interface MigrationContext {
  dialect: DialectName;
  /** Column type for our own auto-incrementing ids. */
  idColumnType: 'integer' | 'bigserial';
  /** Marks an id column as auto-incrementing where the dialect needs a keyword for it. */
  autoIncrement(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

export function migrationContext(dialect: DialectName): MigrationContext {
  return dialect === 'sqlite'
    ? { dialect, idColumnType: 'integer', autoIncrement: (c) => c.autoIncrement() }
    : // bigserial already implies a sequence default.
      { dialect, idColumnType: 'bigserial', autoIncrement: (c) => c };
}
