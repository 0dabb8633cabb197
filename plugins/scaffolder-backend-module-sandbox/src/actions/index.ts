export {
  createSandboxCreateAction,
  type SandboxCreateActionOptions,
} from './sandboxCreate';
export {
  createSandboxDeleteAction,
  type SandboxDeleteActionOptions,
} from './sandboxDelete';
export {
  createCrossplaneClaimApplyAction,
  type CrossplaneClaimApplyActionOptions,
} from './crossplaneClaimApply';
