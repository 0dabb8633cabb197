export { sandboxApiRef } from './SandboxApi';
export type { SandboxApi, OllamaModel, GetSandboxLogsOptions } from './SandboxApi';
export { SandboxClient } from './SandboxClient';
