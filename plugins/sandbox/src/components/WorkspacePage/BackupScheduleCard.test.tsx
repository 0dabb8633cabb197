import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { sandboxApiRef, type BackupScheduleInfo, type SandboxApi } from '../../api';
import { ALLOW, mockSandboxApi, responseError } from '../../testUtils/fixtures';
import {
  BackupScheduleCard,
  describeSchedule,
  scheduleRequestFromDraft,
} from './BackupScheduleCard';

jest.setTimeout(30_000);

function makeSchedule(overrides: Partial<BackupScheduleInfo> = {}): BackupScheduleInfo {
  return {
    workspace: 'team-a',
    cron: '0 3 * * *',
    intervalHours: null,
    retentionCount: 7,
    retentionDays: 30,
    lastRunAt: '2025-01-30T03:00:00.000Z',
    updatedAt: '2025-01-29T10:00:00.000Z',
    updatedBy: 'user:default/alice',
    ...overrides,
  };
}

function render(partial: Partial<SandboxApi>, canManage = true, workspace = 'team-a') {
  const api = mockSandboxApi(partial);
  renderInTestApp(<BackupScheduleCard workspace={workspace} canManage={canManage} />, {
    apis: [[sandboxApiRef, api], mockApis.permission({ authorize: ALLOW })],
  });
  return api;
}

const draft = (overrides: Partial<Parameters<typeof scheduleRequestFromDraft>[0]> = {}) => ({
  mode: 'cron' as const,
  cron: '0 3 * * *',
  intervalHours: '24',
  retentionCount: '7',
  retentionDays: '',
  ...overrides,
});

describe('scheduleRequestFromDraft', () => {
  it('builds the request from valid fields', () => {
    expect(scheduleRequestFromDraft(draft({ cron: ' 15  2 * * 1-5 ' }))).toEqual({
      cron: '15 2 * * 1-5',
      retentionCount: 7,
      retentionDays: null,
    });
    expect(
      scheduleRequestFromDraft(draft({ mode: 'interval', intervalHours: '6', retentionDays: '14' })),
    ).toEqual({ intervalHours: 6, retentionCount: 7, retentionDays: 14 });
  });

  it('refuses a cron without five fields and counts that are not positive whole numbers', () => {
    expect(scheduleRequestFromDraft(draft({ cron: '0 3 * *' }))).toBe(
      'Cron: must be a five-field cron expression, e.g. "0 3 * * *"',
    );
    expect(scheduleRequestFromDraft(draft({ cron: '@daily' }))).toMatch(/^Cron: /);
    expect(scheduleRequestFromDraft(draft({ mode: 'interval', intervalHours: '0' }))).toBe(
      'Interval: enter a whole number greater than 0',
    );
    expect(scheduleRequestFromDraft(draft({ retentionCount: '2.5' }))).toBe(
      'Keep newest: enter a whole number greater than 0',
    );
    expect(scheduleRequestFromDraft(draft({ retentionDays: '-3' }))).toBe(
      'Keep for days: enter a whole number greater than 0',
    );
    // the backend's ranges apply too
    expect(scheduleRequestFromDraft(draft({ retentionCount: '5000' }))).toMatch(/retentionCount/);
  });

  it('describes the schedule', () => {
    expect(describeSchedule(makeSchedule())).toBe('cron 0 3 * * * (UTC)');
    expect(describeSchedule(makeSchedule({ cron: null, intervalHours: 1 }))).toBe('every hour');
    expect(describeSchedule(makeSchedule({ cron: null, intervalHours: 6 }))).toBe('every 6 hours');
  });
});

describe('BackupScheduleCard', () => {
  it('shows the schedule, retention and last run with its outcome', async () => {
    const api = render({
      getBackupSchedule: jest
        .fn()
        .mockResolvedValue(makeSchedule({ lastOutcome: 'failure', lastError: 'store is full' })),
    });
    expect(await screen.findByText('cron 0 3 * * * (UTC)')).toBeInTheDocument();
    expect(api.getBackupSchedule).toHaveBeenCalledWith('team-a');
    expect(screen.getByText('newest 7 per sandbox, at most 30 days old')).toBeInTheDocument();
    expect(screen.getByText(/\(failure\)$/)).toBeInTheDocument();
    expect(screen.getByText('store is full')).toBeInTheDocument();
    expect(screen.getByText(/by alice\. Manual backups are kept until deleted\./)).toBeInTheDocument();
  });

  it('says when there is no schedule, and lets an admin set one up', async () => {
    const saved = makeSchedule({
      cron: null,
      intervalHours: 12,
      retentionDays: null,
      lastRunAt: undefined,
    });
    const api = render({
      getBackupSchedule: jest.fn().mockResolvedValueOnce(undefined).mockResolvedValue(saved),
      setBackupSchedule: jest.fn().mockResolvedValue(saved),
    });
    expect(
      await screen.findByText('No scheduled backups. Sandboxes are only backed up on demand.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Turn off' })).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Set up scheduled backups' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('radio', { name: 'Every N hours' }));
    const hours = within(dialog).getByRole('textbox', { name: 'Interval (hours)' });
    await userEvent.clear(hours);
    await userEvent.type(hours, '12');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save schedule' }));

    await waitFor(() =>
      expect(api.setBackupSchedule).toHaveBeenCalledWith('team-a', {
        intervalHours: 12,
        retentionCount: 7,
        retentionDays: null,
      }),
    );
    expect(await screen.findByText('every 12 hours')).toBeInTheDocument();
    expect(screen.getByText('not run yet', { exact: false })).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('validates the cron before saving, and shows the backend 400 message', async () => {
    const api = render(
      {
        getBackupSchedule: jest.fn().mockResolvedValue(makeSchedule()),
        setBackupSchedule: jest
          .fn()
          .mockRejectedValue(
            await responseError(400, 'InputError', 'cron: minute 61 is out of range 0-59'),
          ),
      },
      true,
      'ws-cron',
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Edit schedule' }));
    const dialog = await screen.findByRole('dialog');
    const cron = within(dialog).getByRole('textbox', { name: /^Cron/ });
    expect(cron).toHaveValue('0 3 * * *');
    expect(within(dialog).getByRole('textbox', { name: /^Keep for days/ })).toHaveValue('30');

    await userEvent.clear(cron);
    await userEvent.type(cron, '0 3 * *');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save schedule' }));
    expect(
      await within(dialog).findByText('Cron: must be a five-field cron expression, e.g. "0 3 * * *"'),
    ).toBeInTheDocument();
    expect(api.setBackupSchedule).not.toHaveBeenCalled();

    await userEvent.clear(cron);
    await userEvent.type(cron, '61 3 * * *');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save schedule' }));
    expect(
      await within(dialog).findByText('cron: minute 61 is out of range 0-59'),
    ).toBeInTheDocument();
    expect(api.setBackupSchedule).toHaveBeenCalledWith('ws-cron', {
      cron: '61 3 * * *',
      retentionCount: 7,
      retentionDays: 30,
    });
  });

  it('turns the schedule off after confirmation', async () => {
    const api = render(
      {
        getBackupSchedule: jest
          .fn()
          .mockResolvedValueOnce(makeSchedule())
          .mockResolvedValue(undefined),
        deleteBackupSchedule: jest.fn().mockResolvedValue(undefined),
      },
      true,
      'ws-off',
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Turn off' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Turn off scheduled backups of ws-off?')).toBeInTheDocument();
    expect(api.deleteBackupSchedule).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    await waitFor(() => expect(api.deleteBackupSchedule).toHaveBeenCalledWith('ws-off'));
    expect(
      await screen.findByText('No scheduled backups. Sandboxes are only backed up on demand.'),
    ).toBeInTheDocument();
  });

  it('shows a refused turn-off', async () => {
    render(
      {
        getBackupSchedule: jest.fn().mockResolvedValue(makeSchedule()),
        deleteBackupSchedule: jest
          .fn()
          .mockRejectedValue(await responseError(403, 'NotAllowedError', 'Not allowed')),
      },
      true,
      'ws-off-denied',
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Turn off' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    expect(
      await screen.findByText('Could not turn off the backup schedule: Not allowed'),
    ).toBeInTheDocument();
  });

  it('is read-only without manage permission', async () => {
    render({ getBackupSchedule: jest.fn().mockResolvedValue(makeSchedule()) }, false);
    expect(await screen.findByText('cron 0 3 * * * (UTC)')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit schedule' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Turn off' })).not.toBeInTheDocument();
  });

  it('shows the backend message when the schedule cannot be loaded', async () => {
    render({
      getBackupSchedule: jest
        .fn()
        .mockRejectedValue(await responseError(403, 'NotAllowedError', 'Not a member')),
    });
    expect(await screen.findByText('Could not load the backup schedule')).toBeInTheDocument();
    expect(screen.getByText('Not a member')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /schedule/ })).not.toBeInTheDocument();
  });
});
