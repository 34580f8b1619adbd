import { expect } from 'chai';

import { migrationSource } from '../../../migrations/index.ts';
import { loadKeys } from '../../../provider/keys.ts';
import { migrateDatabase, openDatabase } from '../../../provider/storage/database.ts';
import { freshDatabase } from '../../support/provider.ts';

// Several instances starting together on one empty PostgreSQL database: only a real server
// has several connections, so these run when DATABASE_URL names one.
describe('several instances on one new PostgreSQL database', () => {
  before(function () {
    if (!process.env.DATABASE_URL) {
      this.skip();
    }
  });

  it('migrates once when three instances migrate at the same time', async () => {
    const storage = await freshDatabase();
    const instances = [1, 2, 3].map(() =>
      openDatabase({ database: storage.database, dataDir: storage.dataDir }),
    );
    try {
      const applied = await Promise.all(instances.map((database) => migrateDatabase(database)));
      const every = await migrationSource.getMigrations([]);
      expect(applied.flat().sort()).to.deep.equal(every);
    } finally {
      await Promise.all(instances.map((database) => database.knex.destroy()));
    }
  });

  it('generates one set of keys that every instance shares', async () => {
    const storage = await freshDatabase();
    const instances = [1, 2, 3].map(() =>
      openDatabase({ database: storage.database, dataDir: storage.dataDir }),
    );
    try {
      await migrateDatabase(instances[0]!);
      const keys = await Promise.all(instances.map((database) => loadKeys(database.knex)));
      expect(keys[0]!.jwks.keys).to.have.length(1);
      expect(keys[1]).to.deep.equal(keys[0]);
      expect(keys[2]).to.deep.equal(keys[0]);
    } finally {
      await Promise.all(instances.map((database) => database.knex.destroy()));
    }
  });
});
