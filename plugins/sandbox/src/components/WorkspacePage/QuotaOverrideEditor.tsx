import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  NumberField,
  Select,
  Text,
} from '@backstage/ui';
import {
  formatZodError,
  quotaOverridesSchema,
  type WorkspaceQuota,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type QuotaOverrides } from '../../api';
import { errorMessage } from '../../lib/format';
import { LIMIT_FIELDS, planDefault, type LimitKey } from './quota';

type Mode = 'default' | 'override' | 'unlimited';
type Draft = Record<LimitKey, { mode: Mode; value: number }>;

function draftFrom(quota: WorkspaceQuota): Draft {
  const draft = {} as Draft;
  for (const field of LIMIT_FIELDS) {
    const has = Object.prototype.hasOwnProperty.call(quota.overrides, field.key);
    const override = quota.overrides[field.key];
    if (!has || override === undefined) {
      draft[field.key] = { mode: 'default', value: NaN };
    } else if (override === null) {
      draft[field.key] = { mode: 'unlimited', value: NaN };
    } else {
      draft[field.key] = { mode: 'override', value: field.toInput(override) };
    }
  }
  return draft;
}

/**
 * Builds the body of `PUT /workspaces/:name/quota`: a field on the plan default
 * is left out, "Unlimited" is `null`, an override is the number in the stored
 * unit (seconds, minor currency units). Returns an error text when an override
 * has no number.
 */
export function overridesFromDraft(draft: Draft): QuotaOverrides | string {
  const overrides: QuotaOverrides = {};
  for (const field of LIMIT_FIELDS) {
    const { mode, value } = draft[field.key];
    if (mode === 'unlimited') {
      overrides[field.key] = null;
    } else if (mode === 'override') {
      if (!Number.isFinite(value)) {
        return `${field.label}: enter a number or choose another option`;
      }
      overrides[field.key] = field.fromInput(value);
    }
  }
  return overrides;
}

/**
 * "Edit quota overrides": per limit, keep the plan default, override it with a
 * number, or make it unlimited. Only rendered for users with
 * `sandbox.quota.override` on the workspace.
 */
export function QuotaOverrideEditor(props: {
  workspace: string;
  quota: WorkspaceQuota;
  onSaved: (quota: WorkspaceQuota) => void;
}) {
  const { workspace, quota, onSaved } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const [draft, setDraft] = useState<Draft | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const open = () => {
    setDraft(draftFrom(quota));
    setError(undefined);
  };
  const close = () => setDraft(undefined);

  const save = async () => {
    if (!draft) {
      return;
    }
    const overrides = overridesFromDraft(draft);
    if (typeof overrides === 'string') {
      setError(overrides);
      return;
    }
    const parsed = quotaOverridesSchema.safeParse(overrides);
    if (!parsed.success) {
      setError(formatZodError(parsed.error));
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const saved = await sandboxApi.setWorkspaceQuotaOverrides(workspace, overrides);
      setDraft(undefined);
      onSaved(saved);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const set = (key: LimitKey, change: Partial<Draft[LimitKey]>) =>
    setDraft(previous => previous && { ...previous, [key]: { ...previous[key], ...change } });

  return (
    <>
      <Button variant="secondary" size="small" onPress={open}>
        Edit quota overrides
      </Button>
      <Dialog isOpen={draft !== undefined} onOpenChange={isOpen => !isOpen && close()} width={640}>
        <DialogHeader>{`Quota overrides of ${workspace}`}</DialogHeader>
        <DialogBody>
          {draft && (
            <Flex direction="column" gap="3">
              <Text variant="body-small" color="secondary">
                Limits left on the plan default follow the {quota.plan} plan.
              </Text>
              {LIMIT_FIELDS.map(field => (
                <Flex key={field.key} gap="3" align="end">
                  <Select
                    label={field.label}
                    value={draft[field.key].mode}
                    onChange={key => key !== null && set(field.key, { mode: key as Mode })}
                    options={[
                      {
                        id: 'default',
                        label: `Plan default (${planDefault(quota.plan, field)})`,
                      },
                      { id: 'override', label: 'Override' },
                      { id: 'unlimited', label: 'Unlimited' },
                    ]}
                  />
                  {draft[field.key].mode === 'override' && (
                    <NumberField
                      label={`${field.label} (${field.unit})`}
                      minValue={0}
                      step={field.step}
                      value={draft[field.key].value}
                      onChange={value => set(field.key, { value })}
                    />
                  )}
                </Flex>
              ))}
              {error && (
                <Alert status="danger" title="Could not save the overrides" description={error} />
              )}
            </Flex>
          )}
        </DialogBody>
        <DialogFooter>
          <Button variant="secondary" onPress={close}>
            Cancel
          </Button>
          <Button variant="primary" isPending={saving} onPress={save}>
            Save overrides
          </Button>
        </DialogFooter>
      </Dialog>
    </>
  );
}
