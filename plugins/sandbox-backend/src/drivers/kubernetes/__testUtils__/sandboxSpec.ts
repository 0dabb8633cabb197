import { SANDBOX_SIZES } from '@internal/plugin-sandbox-common';
import type { SandboxSpec } from '../../types';

/** The sandbox the Kubernetes driver tests create: `my-box` of workspace team-a (XR sbx-0123456789abcdef). */
export const testSpec: SandboxSpec = {
  id: '0123456789abcdef',
  name: 'my-box',
  workspace: 'team-a',
  owner: 'user:default/jane',
  image: 'portal-sandbox/python:latest',
  size: SANDBOX_SIZES.small,
  env: {},
  network: false,
  labels: {
    'portal.sandbox/id': '0123456789abcdef',
    'portal.sandbox/name': 'my-box',
    'portal.sandbox/workspace': 'team-a',
    'portal.sandbox/owner': 'user:default/jane',
  },
};
