import {
  HttpAuthService,
  HttpRouterService,
  LoggerService,
  PermissionsRegistryService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { sandboxBackupPermissions } from '@internal/plugin-sandbox-common';
import { AuditLog } from '../service/AuditLog';
import { SandboxAuthorizer } from '../service/authorize';
import { createBackupRouter } from './router';
import { createBackupTask } from './task';
import { Config } from '@backstage/config';
import { Knex } from 'knex';
import path from 'node:path';
import { SandboxDriver } from '../drivers/types';
import { SandboxService } from '../service/SandboxService';
import { Clock } from '../service/types';
import { BackupStore, LocalDirectoryBackupStore } from './BackupStore';
import { BackupService } from './BackupService';
import { S3BackupStore } from './S3BackupStore';
import { DatabaseBackupRecords } from './DatabaseBackupRecords';
import { BackupMetrics } from './metrics';

export { BackupService } from './BackupService';
export { LocalDirectoryBackupStore } from './BackupStore';
export type { BackupStore } from './BackupStore';
export { S3BackupStore } from './S3BackupStore';
export type { S3BackupStoreOptions } from './S3BackupStore';
export { DatabaseBackupRecords } from './DatabaseBackupRecords';
export { createBackupRouter, createBackupTask };
export { BackupMetrics } from './metrics';

/** `sandbox.backups.directory` (default `.data/backups`, relative to the working directory). */
export function backupDirectoryFrom(config: Config): string {
  return path.resolve(config.getOptionalString('sandbox.backups.directory') ?? '.data/backups');
}

/**
 * `sandbox.backups.store`: `local` (default, `sandbox.backups.directory`) or `s3`
 * (`sandbox.backups.s3.*`; without keys the AWS SDK's default credential chain applies).
 */
export function createBackupStore(config: Config): BackupStore {
  const kind = config.getOptionalString('sandbox.backups.store') ?? 'local';
  if (kind === 'local') return new LocalDirectoryBackupStore(backupDirectoryFrom(config));
  if (kind !== 's3') {
    throw new Error(`sandbox.backups.store must be 'local' or 's3', not '${kind}'`);
  }
  const s3 = config.getConfig('sandbox.backups.s3');
  const accessKeyId = s3.getOptionalString('accessKeyId');
  const secretAccessKey = s3.getOptionalString('secretAccessKey');
  if (!accessKeyId !== !secretAccessKey) {
    throw new Error('sandbox.backups.s3: set both accessKeyId and secretAccessKey, or neither (default credential chain)');
  }
  return new S3BackupStore({
    bucket: s3.getString('bucket'),
    prefix: s3.getOptionalString('prefix'),
    region: s3.getOptionalString('region'),
    endpoint: s3.getOptionalString('endpoint'),
    forcePathStyle: s3.getOptionalBoolean('forcePathStyle'),
    accessKeyId,
    secretAccessKey,
  });
}

/** The backup service from config (the migrations of the plugin's store create its tables). */
export function createBackupService(deps: {
  config: Config;
  knex: Knex;
  service: SandboxService;
  driver: SandboxDriver;
  clock: Clock;
  logger: LoggerService;
}): BackupService {
  const records = new DatabaseBackupRecords(deps.knex);
  const metrics = new BackupMetrics();
  metrics.lastSuccessFrom(() => records.lastSuccessByWorkspace());
  const service = new BackupService({
    records,
    store: createBackupStore(deps.config),
    sandboxes: deps.service,
    driver: deps.driver,
    clock: deps.clock,
    logger: deps.logger,
    metrics,
    staleAfterMs: (deps.config.getOptionalNumber('sandbox.backups.staleAfterHours') ?? 6) * 3_600_000,
  });
  metrics.newestCompleteFrom(() => service.freshness());
  return service;
}

/**
 * Everything backups need in the plugin's init: the service, its permissions, its routes (next to
 * the main router under /api/sandbox) and the global scheduled task `sandbox-backups`.
 */
export async function registerBackups(deps: {
  config: Config;
  logger: LoggerService;
  knex: Knex;
  scheduler: SchedulerService;
  httpRouter: HttpRouterService;
  httpAuth: HttpAuthService;
  permissionsRegistry: PermissionsRegistryService;
  authorizer: SandboxAuthorizer;
  audit: AuditLog;
  service: SandboxService;
  driver: SandboxDriver;
  clock: Clock;
}): Promise<BackupService> {
  const backups = createBackupService(deps);
  deps.permissionsRegistry.addPermissions(sandboxBackupPermissions);
  deps.httpRouter.use(
    createBackupRouter({ httpAuth: deps.httpAuth, authorizer: deps.authorizer, audit: deps.audit, service: deps.service, backups }),
  );
  const schedule = deps.config.has('sandbox.backups.schedule')
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(deps.config.getConfig('sandbox.backups.schedule'))
    : { frequency: { minutes: 5 }, timeout: { hours: 2 }, initialDelay: { minutes: 1 } };
  await deps.scheduler.scheduleTask({
    id: 'sandbox-backups',
    scope: 'global',
    ...schedule,
    fn: async () => {
      await createBackupTask({ backups, logger: deps.logger })();
    },
  });
  return backups;
}
