import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  Grid,
  Radio,
  RadioGroup,
  Text,
  TextField,
} from '@backstage/ui';
import {
  backupScheduleRequestSchema,
  cronSchema,
  formatZodError,
  type BackupScheduleRequest,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type BackupScheduleInfo } from '../../api';
import { errorMessage, formatTimestamp, shortRef } from '../../lib/format';
import { ConfirmDialog } from '../ConfirmDialog';
import { Section } from './Section';

type Mode = 'cron' | 'interval';
interface Draft {
  mode: Mode;
  cron: string;
  intervalHours: string;
  retentionCount: string;
  retentionDays: string;
}

function draftFrom(schedule: BackupScheduleInfo | undefined): Draft {
  return {
    mode: schedule?.intervalHours ? 'interval' : 'cron',
    cron: schedule?.cron ?? '0 3 * * *',
    intervalHours: schedule?.intervalHours ? String(schedule.intervalHours) : '24',
    retentionCount: String(schedule?.retentionCount ?? 7),
    retentionDays: schedule?.retentionDays ? String(schedule.retentionDays) : '',
  };
}

/** A whole number > 0 from a text field, or an error text naming the field. */
function positiveInteger(label: string, text: string): number | string {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) {
    return `${label}: enter a whole number greater than 0`;
  }
  return Number(trimmed);
}

/**
 * The body of `PUT /workspaces/:name/backup-schedule` from the editor's fields,
 * or an error text: the cron must have five fields, counts must be positive whole
 * numbers, and the ranges of the backend's schema apply. An empty "keep for days"
 * means no age limit.
 */
export function scheduleRequestFromDraft(draft: Draft): BackupScheduleRequest | string {
  const request: BackupScheduleRequest = {};
  if (draft.mode === 'cron') {
    const cron = draft.cron.trim().replace(/\s+/g, ' ');
    const parsed = cronSchema.safeParse(cron);
    if (!parsed.success) {
      return `Cron: ${parsed.error.issues[0]?.message}`;
    }
    request.cron = cron;
  } else {
    const hours = positiveInteger('Interval', draft.intervalHours);
    if (typeof hours === 'string') {
      return hours;
    }
    request.intervalHours = hours;
  }
  const count = positiveInteger('Keep newest', draft.retentionCount);
  if (typeof count === 'string') {
    return count;
  }
  request.retentionCount = count;
  if (draft.retentionDays.trim()) {
    const days = positiveInteger('Keep for days', draft.retentionDays);
    if (typeof days === 'string') {
      return days;
    }
    request.retentionDays = days;
  } else {
    request.retentionDays = null;
  }
  const checked = backupScheduleRequestSchema.safeParse(request);
  if (!checked.success) {
    return formatZodError(checked.error);
  }
  return request;
}

/** `every 6 hours`, `cron 0 3 * * *`. */
export function describeSchedule(schedule: BackupScheduleInfo): string {
  if (schedule.intervalHours) {
    return schedule.intervalHours === 1 ? 'every hour' : `every ${schedule.intervalHours} hours`;
  }
  return `cron ${schedule.cron} (UTC)`;
}

function Field(props: { label: string; children: React.ReactNode }) {
  return (
    <Flex direction="column" gap="1">
      <Text variant="body-small" color="secondary">
        {props.label}
      </Text>
      <Text>{props.children}</Text>
    </Flex>
  );
}

/**
 * Scheduled backups of every running or stopped sandbox of the workspace: when
 * (cron or interval), retention (newest N, at most D days) and the last run.
 * With `canManage` (`sandbox.workspace.manage`) the schedule can be edited and
 * turned off.
 */
export function BackupScheduleCard(props: { workspace: string; canManage: boolean }) {
  const { workspace, canManage } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const { value: schedule, loading, error, retry } = useAsyncRetry(
    () => sandboxApi.getBackupSchedule(workspace),
    [sandboxApi, workspace],
  );
  const [draft, setDraft] = useState<Draft | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [confirmOff, setConfirmOff] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();

  const set = (change: Partial<Draft>) => {
    setDraft(previous => previous && { ...previous, ...change });
    setFormError(undefined);
  };

  const save = async () => {
    if (!draft) {
      return;
    }
    const request = scheduleRequestFromDraft(draft);
    if (typeof request === 'string') {
      setFormError(request);
      return;
    }
    setSaving(true);
    try {
      await sandboxApi.setBackupSchedule(workspace, request);
      setDraft(undefined);
      retry();
    } catch (e) {
      setFormError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const turnOff = async () => {
    setConfirmOff(false);
    setActionError(undefined);
    try {
      await sandboxApi.deleteBackupSchedule(workspace);
      retry();
    } catch (e) {
      setActionError(`Could not turn off the backup schedule: ${errorMessage(e)}`);
    }
  };

  const actions = canManage && !loading && !error && (
    <Flex gap="2">
      {schedule && (
        <Button variant="secondary" size="small" destructive onPress={() => setConfirmOff(true)}>
          Turn off
        </Button>
      )}
      <Button
        variant="secondary"
        size="small"
        onPress={() => {
          setDraft(draftFrom(schedule));
          setFormError(undefined);
        }}
      >
        {schedule ? 'Edit schedule' : 'Set up scheduled backups'}
      </Button>
    </Flex>
  );

  return (
    <Section title="Backup schedule" actions={actions || undefined}>
      <Flex direction="column" gap="3">
        {error && (
          <Alert
            status="danger"
            title="Could not load the backup schedule"
            description={errorMessage(error)}
          />
        )}
        {actionError && <Alert status="danger" title={actionError} />}
        {!loading && !error && !schedule && (
          <Text>No scheduled backups. Sandboxes are only backed up on demand.</Text>
        )}
        {schedule && (
          <Grid.Root columns={{ initial: '1', md: '3' }} gap="4">
            <Grid.Item>
              <Field label="When">{describeSchedule(schedule)}</Field>
            </Grid.Item>
            <Grid.Item>
              <Field label="Retention">
                {`newest ${schedule.retentionCount} per sandbox`}
                {schedule.retentionDays ? `, at most ${schedule.retentionDays} days old` : ''}
              </Field>
            </Grid.Item>
            <Grid.Item>
              <Field label="Last run">
                {schedule.lastRunAt ? formatTimestamp(schedule.lastRunAt) : 'not run yet'}
                {schedule.lastOutcome ? ` (${schedule.lastOutcome})` : ''}
              </Field>
              {schedule.lastError && (
                <Text variant="body-small" color="danger">
                  {schedule.lastError}
                </Text>
              )}
            </Grid.Item>
          </Grid.Root>
        )}
        {schedule && (
          <Text variant="body-small" color="secondary">
            Changed {formatTimestamp(schedule.updatedAt)} by {shortRef(schedule.updatedBy)}. Manual
            backups are kept until deleted.
          </Text>
        )}
      </Flex>
      <ConfirmDialog
        open={confirmOff}
        title={`Turn off scheduled backups of ${workspace}?`}
        confirmLabel="Turn off"
        onConfirm={turnOff}
        onCancel={() => setConfirmOff(false)}
      >
        <Text>No more scheduled backups are taken. Existing backups are kept.</Text>
      </ConfirmDialog>
      <Dialog isOpen={draft !== undefined} onOpenChange={isOpen => !isOpen && setDraft(undefined)}>
        <DialogHeader>{`Backup schedule of ${workspace}`}</DialogHeader>
        <DialogBody>
          {draft && (
            <Flex direction="column" gap="3">
              <RadioGroup
                label="Run"
                value={draft.mode}
                onChange={value => set({ mode: value as Mode })}
              >
                <Radio value="cron">On a cron schedule</Radio>
                <Radio value="interval">Every N hours</Radio>
              </RadioGroup>
              {draft.mode === 'cron' ? (
                <TextField
                  label="Cron (minute hour day-of-month month day-of-week, UTC)"
                  value={draft.cron}
                  onChange={cron => set({ cron })}
                />
              ) : (
                <TextField
                  label="Interval (hours)"
                  value={draft.intervalHours}
                  onChange={intervalHours => set({ intervalHours })}
                />
              )}
              <TextField
                label="Keep newest (per sandbox)"
                value={draft.retentionCount}
                onChange={retentionCount => set({ retentionCount })}
              />
              <TextField
                label="Keep for days (empty: no age limit)"
                value={draft.retentionDays}
                onChange={retentionDays => set({ retentionDays })}
              />
              {formError && (
                <Alert status="danger" title="Could not save the schedule" description={formError} />
              )}
            </Flex>
          )}
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={() => setDraft(undefined)}>
            Cancel
          </Button>
          <Button variant="primary" isPending={saving} onPress={save}>
            Save schedule
          </Button>
        </DialogFooter>
      </Dialog>
    </Section>
  );
}
