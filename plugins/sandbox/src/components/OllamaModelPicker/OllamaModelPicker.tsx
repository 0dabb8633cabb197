import { useApi } from '@backstage/frontend-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import useAsync from 'react-use/esm/useAsync';
import { sandboxApiRef } from '../../api';

/**
 * Scaffolder field listing the models of the portal's Ollama endpoint (through the sandbox
 * backend's proxy). When the list cannot be had (no endpoint configured, Ollama down) it falls
 * back to a text field and says why, so a template never gets stuck.
 */
export const OllamaModelPicker = (props: FieldExtensionComponentProps<string>) => {
  const { onChange, formData, required, rawErrors, schema, idSchema } = props;
  const api = useApi(sandboxApiRef);
  const { value: models, error, loading } = useAsync(() => api.listOllamaModels(), [api]);
  const label = schema.title ?? 'Model';
  const common = {
    id: idSchema?.$id,
    label,
    required,
    fullWidth: true,
    margin: 'normal' as const,
    value: formData ?? '',
    error: Boolean(rawErrors?.length),
    onChange: (e: { target: { value: unknown } }) => onChange(String(e.target.value)),
  };
  if (error || (!loading && (models?.length ?? 0) === 0)) {
    return (
      <TextField
        {...common}
        helperText={
          error
            ? `Could not list the models of the Ollama endpoint (${(error as any).cause?.message ?? error.message}); type a model name.`
            : 'The Ollama endpoint has no models yet; type a model name to pull.'
        }
      />
    );
  }
  return (
    <TextField {...common} select disabled={loading} helperText={schema.description}>
      {(models ?? []).map(m => (
        <MenuItem key={m.name} value={m.name}>
          {m.name}
          {m.size ? ` (${(m.size / 1024 ** 3).toFixed(1)} GiB)` : ''}
        </MenuItem>
      ))}
    </TextField>
  );
};
