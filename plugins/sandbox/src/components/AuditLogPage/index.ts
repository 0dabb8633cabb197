export { AuditLogPage, AUDIT_PAGE_SIZE } from './AuditLogPage';
export { AuditOutcomeStatus } from './AuditOutcomeStatus';
