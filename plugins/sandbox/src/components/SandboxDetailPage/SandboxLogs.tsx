import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Button, Card, CardBody, CardHeader, Flex, Text } from '@backstage/ui';
import { sandboxApiRef } from '../../api';
import { errorMessage } from '../../lib/format';

/** Lines fetched from the end of the sandbox's log. */
export const LOG_TAIL = 200;

/** The last lines of a sandbox's output, refreshed on demand. */
export function SandboxLogs(props: { sandboxId: string }) {
  const { sandboxId } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const { value, loading, error, retry } = useAsyncRetry(
    () => sandboxApi.getLogs(sandboxId, { tail: LOG_TAIL }),
    [sandboxApi, sandboxId],
  );
  return (
    <Card>
      <CardHeader>
        <Flex justify="between" align="center">
          <Text as="h3" variant="title-x-small">
            Logs (last {LOG_TAIL} lines)
          </Text>
          <Button variant="secondary" size="small" isPending={loading} onPress={retry}>
            Refresh logs
          </Button>
        </Flex>
      </CardHeader>
      <CardBody>
        {error && <Alert status="danger" title="Could not load logs" description={errorMessage(error)} />}
        {!error && value !== undefined && (
          <pre
            data-testid="sandbox-logs"
            style={{ margin: 0, maxHeight: 480, overflow: 'auto', whiteSpace: 'pre-wrap' }}
          >
            {value || 'No output yet.'}
          </pre>
        )}
      </CardBody>
    </Card>
  );
}
