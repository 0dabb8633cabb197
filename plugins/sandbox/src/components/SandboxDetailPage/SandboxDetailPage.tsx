import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { useApi, useRouteRefParams } from '@backstage/frontend-plugin-api';
import { Progress } from '@backstage/core-components';
import { Alert, Card, CardBody, CardHeader, Container, Flex, Header, Text } from '@backstage/ui';
import { sandboxApiRef } from '../../api';
import { sandboxRouteRef } from '../../routes';
import { POLL_INTERVAL_MS, errorMessage, isTransitional } from '../../lib/format';
import { useNow } from '../../lib/useNow';
import { SandboxActions } from './SandboxActions';
import { SandboxBackups } from './SandboxBackups';
import { SandboxGrafanaPanels } from './SandboxGrafanaPanels';
import { SandboxLinks } from './SandboxLinks';
import { SandboxLogs } from './SandboxLogs';
import { SandboxOverview } from './SandboxOverview';
import { SandboxPorts } from './SandboxPorts';
import { SandboxTransitions } from './SandboxTransitions';

function Section(props: { title: string; children: React.ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <Text as="h3" variant="title-x-small">
          {props.title}
        </Text>
      </CardHeader>
      <CardBody>{props.children}</CardBody>
    </Card>
  );
}

/**
 * One sandbox: its details, links, ports (while running), metrics, backups,
 * history and logs, with lifecycle actions.
 */
export function SandboxDetails(props: { sandboxId: string }) {
  const { sandboxId } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const now = useNow();
  const { value: sandbox, loading, error, retry } = useAsyncRetry(
    () => sandboxApi.getSandbox(sandboxId),
    [sandboxApi, sandboxId],
  );
  useInterval(retry, sandbox && isTransitional(sandbox.state) ? POLL_INTERVAL_MS : null);

  if (!sandbox) {
    if (loading) {
      return <Progress />;
    }
    return (
      <Container>
        <Alert status="danger" title="Could not load the sandbox" description={errorMessage(error)} />
      </Container>
    );
  }

  return (
    <>
      <Header
        title={sandbox.name}
        customActions={<SandboxActions sandbox={sandbox} onChanged={retry} />}
      />
      <Container>
        <Flex direction="column" gap="4">
          {error && (
            <Alert status="warning" title="Showing the last known state" description={errorMessage(error)} />
          )}
          <Section title="Overview">
            <SandboxOverview sandbox={sandbox} now={now} />
          </Section>
          <Section title="Links">
            <SandboxLinks sandbox={sandbox} />
          </Section>
          <SandboxPorts sandbox={sandbox} />
          <SandboxGrafanaPanels sandboxId={sandbox.id} />
          <SandboxBackups sandbox={sandbox} onChanged={retry} />
          <Section title="State history">
            <SandboxTransitions transitions={sandbox.transitions} />
          </Section>
          <SandboxLogs sandboxId={sandbox.id} />
        </Flex>
      </Container>
    </>
  );
}

/** The `/sandboxes/:id` page. */
export function SandboxDetailPage() {
  const { id } = useRouteRefParams(sandboxRouteRef);
  return <SandboxDetails sandboxId={id} />;
}
