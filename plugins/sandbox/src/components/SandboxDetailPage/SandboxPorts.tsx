import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Alert,
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  Cell,
  CellText,
  ColumnConfig,
  Flex,
  Table,
  Text,
  TextField,
} from '@backstage/ui';
import { sandboxExecPermission, type Sandbox } from '@internal/plugin-sandbox-common';
import { sandboxApiRef, type SandboxPort } from '../../api';
import { errorMessage } from '../../lib/format';

/** A whole TCP port number, 1-65535, from what the user typed; else an error text. */
export function parsePort(input: string): number | string {
  const text = input.trim();
  if (!/^\d+$/.test(text)) {
    return 'enter a whole number from 1 to 65535';
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    return 'must be from 1 to 65535';
  }
  return port;
}

type Row = SandboxPort & { id: string };

/**
 * The TCP ports listening inside a running sandbox, each with a preview link to
 * the portal's port proxy (opened in a new tab), and a field to open any port.
 * Shown only while the sandbox runs, to users with `sandbox.exec` on it.
 */
export function SandboxPorts(props: { sandbox: Pick<Sandbox, 'id' | 'name' | 'state'> }) {
  const { sandbox } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const exec = usePermission({ permission: sandboxExecPermission, resourceRef: sandbox.id });
  const running = sandbox.state === 'running';
  const { value, loading, error, retry } = useAsyncRetry(
    async () => (exec.allowed && running ? sandboxApi.listPorts(sandbox.id) : undefined),
    [sandboxApi, sandbox.id, exec.allowed, running],
  );
  const [portInput, setPortInput] = useState('');
  const [portError, setPortError] = useState<string | undefined>();
  const [opening, setOpening] = useState(false);

  if (!exec.allowed || !running) {
    return null;
  }

  const openPort = async () => {
    const port = parsePort(portInput);
    if (typeof port === 'string') {
      setPortError(`Port: ${port}`);
      return;
    }
    setPortError(undefined);
    setOpening(true);
    try {
      const url = await sandboxApi.portUrl(sandbox.id, port);
      window.open(url, '_blank', 'noopener,noreferrer');
    } catch (e) {
      setPortError(`Could not open port ${port}: ${errorMessage(e)}`);
    } finally {
      setOpening(false);
    }
  };

  const rows: Row[] = (value ?? []).map(p => ({ ...p, id: String(p.port) }));
  const columns: ColumnConfig<Row>[] = [
    { id: 'port', label: 'Port', isRowHeader: true, cell: p => <CellText title={String(p.port)} /> },
    { id: 'process', label: 'Process', cell: p => <CellText title={p.process ?? '—'} /> },
    {
      id: 'open',
      label: '',
      cell: p => (
        <Cell>
          <ButtonLink
            size="small"
            variant="secondary"
            href={p.url}
            target="_blank"
            rel="noopener noreferrer"
            aria-label={`Open preview of port ${p.port}`}
          >
            Open preview
          </ButtonLink>
        </Cell>
      ),
    },
  ];

  return (
    <Card>
      <CardHeader>
        <Flex justify="between" align="center">
          <Text as="h3" variant="title-x-small">
            Ports
          </Text>
          <Button variant="secondary" size="small" isPending={loading} onPress={retry}>
            Refresh ports
          </Button>
        </Flex>
      </CardHeader>
      <CardBody>
        <Flex direction="column" gap="3">
          <Text variant="body-small" color="secondary">
            Ports listening inside {sandbox.name}, reached through the portal (you stay signed in;
            the sandbox itself has no network).
          </Text>
          {error && (
            <Alert status="danger" title="Could not list the ports" description={errorMessage(error)} />
          )}
          {value && (
            <Table<Row>
              columnConfig={columns}
              data={rows}
              pagination={{ type: 'none' }}
              emptyState={<Text>Nothing is listening inside the sandbox.</Text>}
            />
          )}
          <Flex gap="3" align="end">
            <TextField
              label="Open another port"
              placeholder="8080"
              value={portInput}
              onChange={v => {
                setPortInput(v);
                setPortError(undefined);
              }}
            />
            <Button
              variant="secondary"
              isDisabled={!portInput.trim()}
              isPending={opening}
              onPress={openPort}
            >
              Open port
            </Button>
          </Flex>
          {portError && <Alert status="danger" title={portError} />}
        </Flex>
      </CardBody>
    </Card>
  );
}
