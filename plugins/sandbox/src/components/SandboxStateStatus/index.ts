export { SandboxStateStatus } from './SandboxStateStatus';
