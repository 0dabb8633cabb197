import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/frontend-plugin-api';
import { Select } from '@backstage/ui';
import { sandboxApiRef } from '../../api';
import { errorMessage } from '../../lib/format';

const ALL = '__all__';

/**
 * A workspace filter fed by `GET /workspaces`: "All workspaces" plus every
 * workspace the user can see. A value that is not in the list (e.g. from a
 * shared URL) stays selectable.
 */
export function WorkspaceSelect(props: {
  value: string | undefined;
  onChange: (workspace: string | undefined) => void;
  label?: string;
}) {
  const { value, onChange, label = 'Workspace' } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const { value: workspaces, error } = useAsync(() => sandboxApi.listWorkspaces(), [sandboxApi]);

  const options = [
    { id: ALL, label: 'All workspaces' },
    ...(workspaces ?? []).map(ws => ({
      id: ws.name,
      label: ws.title && ws.title !== ws.name ? `${ws.title} (${ws.name})` : ws.name,
    })),
  ];
  if (value && !options.some(option => option.id === value)) {
    options.push({ id: value, label: value });
  }

  return (
    <Select
      label={label}
      value={value || ALL}
      onChange={key => onChange(key === ALL || key === null ? undefined : String(key))}
      options={options}
      description={error ? `Could not load workspaces: ${errorMessage(error)}` : undefined}
    />
  );
}
