export { SandboxListPage, PAGE_SIZE } from './SandboxListPage';
