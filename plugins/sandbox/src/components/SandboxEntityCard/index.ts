export { SandboxEntityCard } from './SandboxEntityCard';
