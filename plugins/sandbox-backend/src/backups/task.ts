import { LoggerService } from '@backstage/backend-plugin-api';
import { BackupService } from './BackupService';

/**
 * The scheduled backup task (run it with SchedulerService, `scope: 'global'`, every few minutes:
 * each workspace's own cron or interval decides whether it is due).
 */
export function createBackupTask(deps: { backups: BackupService; logger: LoggerService }) {
  return async () => {
    const report = await deps.backups.runScheduled();
    const { deleted, interrupted, orphansRemoved } = report.retention;
    if (report.backedUp.length + report.failed.length + deleted.length + interrupted.length + orphansRemoved.length > 0) {
      deps.logger.info(
        `scheduled backups: ${report.backedUp.length} made, ${report.failed.length} failed; retention deleted ` +
          `${deleted.length}, ${interrupted.length} interrupted, ${orphansRemoved.length} orphans removed`,
      );
    }
    return report;
  };
}
