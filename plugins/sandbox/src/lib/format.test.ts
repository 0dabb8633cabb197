import { ResponseError } from '@backstage/errors';
import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import {
  errorMessage,
  expiryTime,
  formatAge,
  formatBudget,
  formatDuration,
  formatLifetime,
  formatMemory,
  formatNumber,
  formatSize,
  formatTtlRemaining,
  formatBytes,
  isTransitional,
  shortRef,
} from './format';

describe('format', () => {
  const now = Date.parse('2025-01-02T12:00:00.000Z');

  it('formats durations', () => {
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(42.7)).toBe('42s');
    expect(formatDuration(5 * 60 + 3)).toBe('5m');
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3h 20m');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 59)).toBe('2d 4h');
  });

  it('formats age from createdAt', () => {
    expect(formatAge({ createdAt: '2025-01-02T11:30:00.000Z' }, now)).toBe('30m');
  });

  it('computes expiry from expiresAt, else from the TTL, else none', () => {
    const createdAt = '2025-01-02T10:00:00.000Z';
    expect(expiryTime({ createdAt, ttlSeconds: 3600, expiresAt: '2025-01-02T15:00:00.000Z' })).toBe(
      Date.parse('2025-01-02T15:00:00.000Z'),
    );
    expect(expiryTime({ createdAt, ttlSeconds: 3600 })).toBe(Date.parse('2025-01-02T11:00:00.000Z'));
    expect(expiryTime({ createdAt, ttlSeconds: null })).toBeUndefined();
  });

  it('formats the TTL remaining', () => {
    const createdAt = '2025-01-02T10:00:00.000Z';
    expect(formatTtlRemaining({ createdAt, ttlSeconds: 4 * 3600 }, now)).toBe('2h 0m');
    expect(formatTtlRemaining({ createdAt, ttlSeconds: 3600 }, now)).toBe('expired');
    expect(formatTtlRemaining({ createdAt, ttlSeconds: null }, now)).toBe('no TTL');
  });

  it('formats sizes', () => {
    expect(formatMemory(512)).toBe('512 MiB');
    expect(formatMemory(2048)).toBe('2 GiB');
    expect(formatSize(SANDBOX_SIZES.small)).toBe('small (0.5 vCPU, 512 MiB, 5 GiB disk)');
  });

  it('knows the transitional states', () => {
    expect(['pending', 'provisioning', 'stopping', 'deleting'].every(s => isTransitional(s as any))).toBe(
      true,
    );
    expect(['running', 'stopped', 'failed', 'deleted'].some(s => isTransitional(s as any))).toBe(false);
    // pause / resume, and any -ing state a newer backend may add
    expect(['pausing', 'resuming', 'hibernating'].every(s => isTransitional(s))).toBe(true);
    expect(['paused', 'archived'].some(s => isTransitional(s))).toBe(false);
  });

  it('formats byte counts in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB');
    expect(formatBytes(3 * 1024 ** 5)).toBe('3072 TiB');
  });

  it('prefers the backend message of a ResponseError', async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'InputError', message: 'name: must be lowercase' },
          response: { statusCode: 400 },
        }),
        { status: 400, statusText: 'Bad Request', headers: { 'Content-Type': 'application/json' } },
      ),
    );
    expect(errorMessage(error)).toBe('name: must be lowercase');
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
  });

  it('shortens entity refs', () => {
    expect(shortRef('user:default/alice')).toBe('alice');
    expect(shortRef('group:team/devs')).toBe('team/devs');
    expect(shortRef('user:')).toBe('user:');
  });

  it('formats quota values', () => {
    expect(formatNumber(1.23456)).toBe('1.23');
    expect(formatBudget(50_000)).toBe('500.00 per month');
    expect(formatBudget(0)).toBe('0.00 per month');
    expect(formatBudget(null)).toBe('unlimited');
    expect(formatLifetime(8 * 3600)).toBe('8h 0m');
    expect(formatLifetime(null)).toBe('unlimited');
  });
});
