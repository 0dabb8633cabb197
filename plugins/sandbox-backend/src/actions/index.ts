export { createCreateSandboxAction } from './createCreateSandboxAction';
export { createListSandboxesAction } from './createListSandboxesAction';
export { createGetSandboxAction } from './createGetSandboxAction';
export { createStopSandboxAction } from './createStopSandboxAction';
export { createDeleteSandboxAction } from './createDeleteSandboxAction';
