import { useAppSearchParams } from '@backstage/frontend-plugin-api';
import { Container, Flex, Select } from '@backstage/ui';
import { SANDBOX_STATES, type SandboxState } from '@internal/plugin-sandbox-common';
import { WorkspaceSelect } from '../WorkspaceSelect';
import { SandboxTable } from './SandboxTable';

const ALL_STATES = 'all';

function isSandboxState(value: string | null): value is SandboxState {
  return value !== null && (SANDBOX_STATES as readonly string[]).includes(value);
}

/** The `/sandboxes` page: every sandbox the user may see, filterable and paged. */
export function SandboxListPage() {
  const [searchParams, setSearchParams] = useAppSearchParams();
  const workspace = searchParams.get('workspace') || undefined;
  const stateParam = searchParams.get('state');
  const state = isSandboxState(stateParam) ? stateParam : undefined;

  const setFilter = (key: 'workspace' | 'state', value: string | undefined) =>
    setSearchParams(
      previous => {
        const next = new URLSearchParams(previous);
        if (value) {
          next.set(key, value);
        } else {
          next.delete(key);
        }
        return next;
      },
      { replace: true },
    );

  return (
    <Container>
      <Flex direction="column" gap="4">
        <Flex gap="4" align="end">
          <WorkspaceSelect value={workspace} onChange={value => setFilter('workspace', value)} />
          <Select
            label="State"
            value={state ?? ALL_STATES}
            onChange={key =>
              setFilter('state', key === ALL_STATES || key === null ? undefined : String(key))
            }
            options={[
              { id: ALL_STATES, label: 'All states' },
              ...SANDBOX_STATES.map(s => ({ id: s, label: s })),
            ]}
          />
        </Flex>
        <SandboxTable workspace={workspace} state={state} />
      </Flex>
    </Container>
  );
}
