import { BackstageCredentials, HttpAuthService } from '@backstage/backend-plugin-api';
import { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { AuditLog, AuditTarget } from './AuditLog';

/** The caller's X-Request-Id when it is a sane token, else a fresh one (it goes into audit entries). */
export function requestIdOf(req: Request): string {
  const id = req.get('x-request-id');
  return id && /^[\w.:-]{1,128}$/.test(id) ? id : randomUUID();
}

/**
 * What every router of the sandbox plugin needs per request: the caller's credentials (users and
 * services) and `mutate`, which runs an operation and writes one audit entry whatever its outcome.
 */
export function auditedRequests(httpAuth: HttpAuthService, audit: AuditLog) {
  const credentialsOf = (req: Request) => httpAuth.credentials(req, { allow: ['user', 'service'] });
  async function mutate<T>(
    req: Request,
    target: Omit<AuditTarget, 'requestId'>,
    fn: (credentials: BackstageCredentials) => Promise<T>,
    resolve?: (result: T) => { targetId?: string; message?: string },
  ): Promise<T> {
    const credentials = await credentialsOf(req);
    return audit.track(credentials, { ...target, requestId: requestIdOf(req) }, () => fn(credentials), resolve);
  }
  return { credentialsOf, mutate };
}
