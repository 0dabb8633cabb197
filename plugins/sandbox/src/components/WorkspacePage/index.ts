export { WorkspacePage, WorkspaceDetailsView } from './WorkspacePage';
