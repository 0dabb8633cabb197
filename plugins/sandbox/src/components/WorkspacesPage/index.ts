export { WorkspacesPage } from './WorkspacesPage';
export { CreateWorkspaceDialog } from './CreateWorkspaceDialog';
