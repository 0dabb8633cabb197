export { SandboxListPage } from './SandboxListPage';
export { SandboxTable, PAGE_SIZE } from './SandboxTable';
export { SandboxRowActions } from './SandboxRowActions';
