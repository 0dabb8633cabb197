import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { useApi, useRouteRef } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Progress } from '@backstage/core-components';
import { Alert, Card, CardBody, CardFooter, CardHeader, Flex, Link, Text } from '@backstage/ui';
import { sandboxApiRef } from '../../api';
import { sandboxIdFromEntity } from '../../constants';
import { POLL_INTERVAL_MS, errorMessage, formatSize, isTransitional } from '../../lib/format';
import { sandboxRouteRef } from '../../routes';
import { SandboxLinks } from '../SandboxDetailPage';
import { SandboxStateStatus } from '../SandboxStateStatus';

/** Live state of the sandbox a catalog Resource stands for. */
export function SandboxEntityCard() {
  const { entity } = useEntity();
  const sandboxId = sandboxIdFromEntity(entity);
  const sandboxApi = useApi(sandboxApiRef);
  const sandboxLink = useRouteRef(sandboxRouteRef);
  const { value: sandbox, loading, error, retry } = useAsyncRetry(
    async () => (sandboxId ? sandboxApi.getSandbox(sandboxId) : undefined),
    [sandboxApi, sandboxId],
  );
  useInterval(retry, sandbox && isTransitional(sandbox.state) ? POLL_INTERVAL_MS : null);

  let body;
  if (sandbox) {
    body = (
      <Flex direction="column" gap="3">
        <Flex gap="2" align="center">
          <Text color="secondary">State</Text>
          <SandboxStateStatus state={sandbox.state} />
        </Flex>
        {sandbox.state === 'failed' && sandbox.reason && (
          <Alert status="danger" title={sandbox.reason} />
        )}
        <Flex gap="2">
          <Text color="secondary">Size</Text>
          <Text>{formatSize(sandbox.size)}</Text>
        </Flex>
        <SandboxLinks sandbox={sandbox} showEntityLink={false} />
      </Flex>
    );
  } else if (loading) {
    body = <Progress />;
  } else {
    body = (
      <Alert
        status="danger"
        title="Could not load the sandbox"
        description={error ? errorMessage(error) : 'The entity names no sandbox.'}
      />
    );
  }

  return (
    <Card>
      <CardHeader>
        <Text as="h3" variant="title-small">
          Sandbox
        </Text>
      </CardHeader>
      <CardBody>{body}</CardBody>
      {sandboxId && sandboxLink && (
        <CardFooter>
          <Link href={sandboxLink({ id: sandboxId })}>View sandbox details</Link>
        </CardFooter>
      )}
    </Card>
  );
}
