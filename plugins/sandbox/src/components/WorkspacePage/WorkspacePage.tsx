import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi, useRouteRefParams } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { Progress } from '@backstage/core-components';
import { Alert, Container, Flex, Header } from '@backstage/ui';
import {
  quotaOverridePermission,
  workspaceManagePermission,
} from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { workspaceRouteRef } from '../../routes';
import { errorMessage, shortRef } from '../../lib/format';
import { SandboxTable } from '../SandboxListPage';
import { BackupScheduleCard } from './BackupScheduleCard';
import { QuotaOverrideEditor } from './QuotaOverrideEditor';
import { Section } from './Section';
import { WorkspaceActivity } from './WorkspaceActivity';
import { WorkspaceApiKeys } from './WorkspaceApiKeys';
import { WorkspaceHeaderActions } from './WorkspaceHeaderActions';
import { WorkspaceMembers } from './WorkspaceMembers';
import { WorkspaceQuotaCard } from './WorkspaceQuotaCard';

/**
 * One workspace: header (title, plan, archived), quota use, members, sandboxes,
 * backup schedule, API keys and 30 days of activity. Managing (edit, archive,
 * members, backup schedule, API keys) needs `sandbox.workspace.manage` — the API
 * keys card is only shown then —, the quota editor `sandbox.quota.override`, both
 * with the workspace name as resourceRef.
 */
export function WorkspaceDetailsView(props: { name: string }) {
  const { name } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const manage = usePermission({ permission: workspaceManagePermission, resourceRef: name });
  const override = usePermission({ permission: quotaOverridePermission, resourceRef: name });
  const {
    value: workspace,
    loading,
    error,
    retry,
  } = useAsyncRetry(() => sandboxApi.getWorkspace(name), [sandboxApi, name]);

  if (!workspace) {
    if (loading) {
      return <Progress />;
    }
    return (
      <Container>
        <Alert
          status="danger"
          title="Could not load the workspace"
          description={errorMessage(error)}
        />
      </Container>
    );
  }

  return (
    <>
      <Header
        title={workspace.title || workspace.name}
        description={workspace.description}
        tags={[
          { label: `${workspace.plan} plan` },
          { label: workspace.archived ? 'archived' : 'active' },
        ]}
        metadata={[
          { label: 'Name', value: workspace.name },
          { label: 'My role', value: workspace.myRole ?? 'none' },
          ...(workspace.backingGroup
            ? [{ label: 'Backing group', value: shortRef(workspace.backingGroup) }]
            : []),
        ]}
        customActions={
          manage.allowed ? (
            <WorkspaceHeaderActions workspace={workspace} onChanged={retry} />
          ) : undefined
        }
      />
      <Container>
        <Flex direction="column" gap="4">
          {error && (
            <Alert
              status="warning"
              title="Showing the last known state"
              description={errorMessage(error)}
            />
          )}
          {workspace.archived && (
            <Alert
              status="info"
              title="This workspace is archived"
              description={manage.allowed ? 'Unarchive it to use it again.' : undefined}
            />
          )}
          <WorkspaceQuotaCard
            quota={workspace.quota}
            actions={
              override.allowed ? (
                <QuotaOverrideEditor
                  workspace={workspace.name}
                  quota={workspace.quota}
                  onSaved={retry}
                />
              ) : undefined
            }
          />
          <WorkspaceMembers workspace={workspace} canManage={manage.allowed} onChanged={retry} />
          <Section title="Sandboxes">
            <SandboxTable
              workspace={workspace.name}
              hideWorkspaceColumn
              emptyText="No sandboxes in this workspace."
            />
          </Section>
          <BackupScheduleCard workspace={workspace.name} canManage={manage.allowed} />
          {manage.allowed && <WorkspaceApiKeys workspace={workspace.name} />}
          <WorkspaceActivity workspace={workspace.name} />
        </Flex>
      </Container>
    </>
  );
}

/** The `/workspaces/:name` page. */
export function WorkspacePage() {
  const { name } = useRouteRefParams(workspaceRouteRef);
  return <WorkspaceDetailsView name={name} />;
}
