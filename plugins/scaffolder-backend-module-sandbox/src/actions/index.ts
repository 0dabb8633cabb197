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
export {
  createSandboxSnapshotAction,
  type SandboxSnapshotActionOptions,
} from './sandboxSnapshot';
export {
  createSandboxRestoreAction,
  type SandboxRestoreActionOptions,
} from './sandboxRestore';
