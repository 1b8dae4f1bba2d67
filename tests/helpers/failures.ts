import type { Database } from '../../src/lib/db';

/**
 * Runs fn while inserting a ledger row whose raw_payload has an "explode" key raises: a stand-in
 * for the database failing in the middle of a transaction.
 */
export async function withLedgerInsertFailure<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  await db.exec(`
    create or replace function fail_on_marker() returns trigger language plpgsql as $$
    begin
      if new.raw_payload ? 'explode' then raise exception 'simulated failure'; end if;
      return new;
    end $$;
    create trigger fail_on_marker before insert on metrics_webhook_events for each row execute function fail_on_marker();
  `);
  try {
    return await fn();
  } finally {
    await db.exec('drop trigger fail_on_marker on metrics_webhook_events; drop function fail_on_marker();');
  }
}
