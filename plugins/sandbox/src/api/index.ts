export { sandboxApiRef } from './SandboxApi';
export type {
  SandboxApi,
  OllamaModel,
  GetSandboxLogsOptions,
  WorkspaceListItem,
  UpdateWorkspaceRequest,
  QuotaOverrides,
  GetWorkspaceActivityOptions,
  AuditQuery,
  AuditPage,
  SandboxPort,
  BackupScheduleInfo,
  WorkspaceApiKey,
} from './SandboxApi';
export { SandboxClient } from './SandboxClient';
