import { loadConfigOrExit } from '../lib/config.js';
import { createSql } from './client.js';
import { ensureDatabase, DatabaseUnavailableError } from './ensure-database.js';
import { migrate, MigrationError } from './migrations.js';

/** `npm run migrate`: create the database if needed, then apply pending migrations. */
const config = loadConfigOrExit();
try {
  const database = await ensureDatabase(config.DATABASE_URL);
  const sql = createSql(config.DATABASE_URL, { max: 1 });
  try {
    const applied = await migrate(sql);
    const created = database === 'created' ? 'created database; ' : '';
    console.log(`migrate: ${created}${applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date'}`);
  } finally {
    await sql.end({ timeout: 2 });
  }
} catch (error) {
  if (error instanceof DatabaseUnavailableError || error instanceof MigrationError) {
    console.error(`migrate: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
