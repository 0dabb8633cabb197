import { useEntity } from '@backstage/plugin-catalog-react';
import {
  Alert,
  Card,
  CardBody,
  CardHeader,
  Flex,
  Link,
  Text,
} from '@backstage/ui';
import { panelUrlsFromEntity } from '../../constants';
import { grafanaPanelViewUrl, parsePanelRefs } from '../../lib/urls';
import { useGrafanaBaseUrl } from '../../lib/useGrafanaBaseUrl';
import { GrafanaNotConfigured } from '../GrafanaNotConfigured';
import { GrafanaPanel } from '../GrafanaPanel';

/** The panels named by the entity's `grafana/panel-urls` annotation, embedded. */
export function GrafanaPanelsCard(props: { height?: number }) {
  const { entity } = useEntity();
  const baseUrl = useGrafanaBaseUrl();

  let body;
  if (!baseUrl) {
    body = <GrafanaNotConfigured />;
  } else {
    const { panels, invalid } = parsePanelRefs(
      panelUrlsFromEntity(entity),
      baseUrl,
    );
    body = (
      <Flex direction="column" gap="3">
        {invalid.length > 0 && (
          <Alert
            status="warning"
            title="Some panels of grafana/panel-urls were ignored"
            description={`Not <dashboard uid>/<panel id>[?query] or a d-solo URL under ${baseUrl}: ${invalid.join(
              ', ',
            )}`}
          />
        )}
        {panels.map(panel => (
          <Flex
            direction="column"
            gap="1"
            key={`${panel.dashboardUid}/${panel.panelId}/${panel.params}`}
          >
            <GrafanaPanel
              baseUrl={baseUrl}
              panel={panel}
              height={props.height}
            />
            <Link
              href={grafanaPanelViewUrl(baseUrl, panel)}
              target="_blank"
              rel="noopener noreferrer"
            >
              Open in Grafana
            </Link>
          </Flex>
        ))}
      </Flex>
    );
  }

  return (
    <Card>
      <CardHeader>
        <Text as="h3" variant="title-small">
          Grafana
        </Text>
      </CardHeader>
      <CardBody>{body}</CardBody>
    </Card>
  );
}
