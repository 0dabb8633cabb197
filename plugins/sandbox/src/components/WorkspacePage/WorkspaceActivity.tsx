import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/frontend-plugin-api';
import { Progress } from '@backstage/core-components';
import { Alert, Grid } from '@backstage/ui';
import type { WorkspaceActivityDay } from '@internal/plugin-sandbox-common';
import { sandboxApiRef } from '../../api';
import { errorMessage } from '../../lib/format';
import { BarChart } from '../BarChart';
import { Section } from './Section';

/** Days of activity the workspace page shows. */
export const ACTIVITY_DAYS = 30;

const CHARTS: {
  title: string;
  pick: (day: WorkspaceActivityDay) => number;
  unit?: string;
  color?: string;
}[] = [
  { title: 'Sandboxes created', pick: day => day.created },
  { title: 'Running hours', pick: day => day.runningHours, unit: ' h' },
  { title: 'Failures', pick: day => day.failures, color: 'var(--bui-negative-bg, #d32f2f)' },
];

/** Sandboxes created, running hours and failures per UTC day over the last 30 days. */
export function WorkspaceActivity(props: { workspace: string }) {
  const { workspace } = props;
  const sandboxApi = useApi(sandboxApiRef);
  const { value, loading, error } = useAsync(
    () => sandboxApi.getWorkspaceActivity(workspace, { days: ACTIVITY_DAYS }),
    [sandboxApi, workspace],
  );

  let body;
  if (error) {
    body = (
      <Alert
        status="danger"
        title="Could not load the activity"
        description={errorMessage(error)}
      />
    );
  } else if (loading || !value) {
    body = <Progress />;
  } else {
    body = (
      <Grid.Root columns={{ initial: '1', md: '3' }} gap="4">
        {CHARTS.map(chart => (
          <Grid.Item key={chart.title}>
            <BarChart
              title={chart.title}
              unit={chart.unit}
              color={chart.color}
              data={value.map(day => ({ label: day.day, value: chart.pick(day) }))}
            />
          </Grid.Item>
        ))}
      </Grid.Root>
    );
  }
  return <Section title={`Activity (last ${ACTIVITY_DAYS} days, UTC)`}>{body}</Section>;
}
