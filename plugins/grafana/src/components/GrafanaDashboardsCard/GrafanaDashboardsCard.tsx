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
import {
  dashboardSelectorFromEntity,
  overviewDashboardFromEntity,
} from '../../constants';
import { grafanaDashboardSearchUrl, grafanaDashboardUrl } from '../../lib/urls';
import { useGrafanaBaseUrl } from '../../lib/useGrafanaBaseUrl';
import { GrafanaNotConfigured } from '../GrafanaNotConfigured';

/**
 * Links to the entity's Grafana dashboards: its overview dashboard (`grafana/overview-dashboard`)
 * and the dashboards carrying its tags (`grafana/dashboard-selector`).
 */
export function GrafanaDashboardsCard() {
  const { entity } = useEntity();
  const baseUrl = useGrafanaBaseUrl();
  const tags = dashboardSelectorFromEntity(entity);
  const overview = overviewDashboardFromEntity(entity);

  let body;
  if (!baseUrl) {
    body = <GrafanaNotConfigured />;
  } else {
    const overviewUrl = overview
      ? grafanaDashboardUrl(baseUrl, overview)
      : undefined;
    body = (
      <Flex direction="column" gap="2">
        {overview && !overviewUrl && (
          <Alert
            status="warning"
            title="grafana/overview-dashboard is not a dashboard uid"
            description={`Expected <dashboard uid>[?query], got '${overview}'`}
          />
        )}
        {overviewUrl && (
          <Link href={overviewUrl} target="_blank" rel="noopener noreferrer">
            Overview dashboard
          </Link>
        )}
        {tags.length > 0 && (
          <Link
            href={grafanaDashboardSearchUrl(baseUrl, tags)}
            target="_blank"
            rel="noopener noreferrer"
          >
            {`Dashboards tagged ${tags.join(', ')}`}
          </Link>
        )}
      </Flex>
    );
  }

  return (
    <Card>
      <CardHeader>
        <Text as="h3" variant="title-small">
          Grafana dashboards
        </Text>
      </CardHeader>
      <CardBody>{body}</CardBody>
    </Card>
  );
}
