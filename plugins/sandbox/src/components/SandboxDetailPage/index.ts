export { SandboxDetailPage, SandboxDetails } from './SandboxDetailPage';
export { SandboxLinks, useSandboxEntityLink } from './SandboxLinks';
