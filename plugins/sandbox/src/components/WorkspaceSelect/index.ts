export { WorkspaceSelect } from './WorkspaceSelect';
