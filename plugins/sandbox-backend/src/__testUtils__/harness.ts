import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseSandboxStore } from '../database/DatabaseSandboxStore';
import { DatabaseWorkspaceStore } from '../database/DatabaseWorkspaceStore';
import { AuditLog } from '../service/AuditLog';
import { WorkspaceService } from '../service/WorkspaceService';
import { InMemoryDriver } from '../drivers/memory/InMemoryDriver';
import { Reconciler } from '../service/Reconciler';
import { SandboxService } from '../service/SandboxService';
import { DEFAULT_TEMPLATES } from '../service/readTemplates';
import { Clock, TemplateImage } from '../service/types';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-11-01T10:00:00.000Z')) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

const sqliteOnly = TestDatabases.create({ ids: ['SQLITE_3'], disableDocker: true });

/** Service + reconciler over a real SQLite store and the in-memory driver. */
export async function createHarness(options: { templates?: Record<string, TemplateImage> } = {}) {
  const knex = await sqliteOnly.init('SQLITE_3');
  const store = await DatabaseSandboxStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const driver = new InMemoryDriver();
  const clock = new ManualClock();
  const logger = mockServices.logger.mock();
  const workspaceStore = new DatabaseWorkspaceStore(knex);
  const workspaces = new WorkspaceService({ store: workspaceStore, clock, logger, admins: ['group:default/platform-team'] });
  await workspaces.bootstrap([
    { name: 'team-a', plan: 'enterprise', backingGroup: 'group:default/team-a', backingGroupRole: 'member', members: [{ ref: 'user:default/ada', role: 'owner' }] },
    { name: 'team-b', plan: 'enterprise', backingGroup: 'group:default/team-b', backingGroupRole: 'member' },
  ]);
  const audit = new AuditLog({ store: workspaceStore, clock, logger });
  const published: Array<{ sandboxId: string; state: string }> = [];
  const service = new SandboxService({
    store,
    driver,
    clock,
    logger,
    events: { publish: async e => void published.push({ sandboxId: e.sandboxId, state: e.state }) },
    templates: { ...DEFAULT_TEMPLATES, custom: { image: 'my/image:1', env: { FROM_TEMPLATE: 'yes' } }, ...options.templates },
    appBaseUrl: 'http://portal.test/',
    sshHostPattern: '{name}.{workspace}.sandbox.test',
    quotaLimits: async ws => (await workspaceStore.getQuota(ws)).limits,
  });
  const reconciler = new Reconciler({ store, driver, service, clock, logger, staleAfterSeconds: 60 });
  return { knex, store, driver, clock, logger, service, reconciler, published, workspaceStore, workspaces, audit };
}

export const validRequest = {
  name: 'box',
  workspace: 'team-a',
  template: 'python',
  size: 'small',
  env: {},
  network: false,
  ttlSeconds: null,
  idleTimeoutSeconds: null,
  labels: {},
} as const;
