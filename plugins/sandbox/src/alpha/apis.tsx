import { ApiBlueprint, discoveryApiRef, fetchApiRef } from '@backstage/frontend-plugin-api';
import { SandboxClient, sandboxApiRef } from '../api';

/** The client of the sandbox backend. */
export const sandboxApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: sandboxApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new SandboxClient({ discoveryApi, fetchApi }),
    }),
});

export default [sandboxApi];
