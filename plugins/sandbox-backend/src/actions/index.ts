export { createCreateSandboxAction } from './createCreateSandboxAction';
export { createListSandboxesAction } from './createListSandboxesAction';
export { createGetSandboxAction } from './createGetSandboxAction';
export { createStopSandboxAction } from './createStopSandboxAction';
export { createPauseSandboxAction } from './createPauseSandboxAction';
export { createResumeSandboxAction } from './createResumeSandboxAction';
export { createDeleteSandboxAction } from './createDeleteSandboxAction';
