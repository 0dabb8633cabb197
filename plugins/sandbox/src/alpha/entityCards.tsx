import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isSandboxEntity } from '../constants';

/** On the page of a sandbox's catalog Resource: its live state, size and links. */
export const sandboxStatusEntityCard = EntityCardBlueprint.make({
  params: {
    filter: entity => isSandboxEntity(entity),
    loader: () =>
      import('../components/SandboxEntityCard').then(m => <m.SandboxEntityCard />),
  },
});

export default [sandboxStatusEntityCard];
