/*
 * Grafana dashboards of the sandbox portal, as code (@grafana/grafana-foundation-sdk).
 *
 *   node scripts/generate-dashboards.ts [--out <dir>]      (default: k8s/observability/dashboards)
 *
 * Node 24 runs this file as is (type stripping: only erasable TypeScript here, no enums or
 * namespaces of our own). The JSON it writes is committed; scripts/checks/observability.sh
 * regenerates it into a temporary folder and fails when the committed files differ, and
 * type-checks this file against the SDK's types.
 *
 * Conventions:
 * - Every dashboard has a fixed uid (Grafana URLs and the portal's embedded panels use it), the
 *   tag `sandbox-portal`, and a `datasource` variable (Prometheus), defaulting to the datasource
 *   provisioned by k8s/observability/grafana/provisioning/datasources/prometheus.yml.
 * - Panel ids are fixed too: `d-solo` embed URLs name panels by id (see SANDBOX_PANELS).
 * - Gauges read from the shared database (`sandboxes`, billing) are reported identically by
 *   every backend replica: queries take `max by (...)` over replicas, never `sum`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type {
  Dashboard,
  Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugePanelBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The scrape job of the portal backend (k8s/observability/prometheus/prometheus*.yml). */
const JOB = 'sandbox-portal';
const TAG = 'sandbox-portal';
/** Grafana's datasource uid from the provisioning file. */
export const DATASOURCE_UID = 'sandbox-portal-prometheus';
const DS: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export const DASHBOARD_UIDS = {
  overview: 'sandbox-portal-overview',
  sandboxes: 'sandbox-portal-sandboxes',
  workspaces: 'sandbox-portal-workspace-usage',
} as const;

/**
 * Panels of one sandbox on the "Sandboxes" dashboard, selected by its `sandbox` variable
 * (`var-sandbox=<id>`). The sandbox detail page of the portal embeds them by these ids
 * (plugins/sandbox/src/components/SandboxDetailPage/SandboxGrafanaPanels.tsx).
 */
export const SANDBOX_PANELS = { cpu: 20, memory: 21 } as const;

type AnyPanel =
  | TimeseriesPanelBuilder
  | StatPanelBuilder
  | BarGaugePanelBuilder;

/** Places panels left to right, 24 columns wide, starting a new line when one is full. */
class Grid {
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  place<T extends AnyPanel>(panel: T, w: number, h: number): T {
    if (this.x + w > 24) {
      this.newLine();
    }
    panel.gridPos({ x: this.x, y: this.y, w, h });
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return panel;
  }

  row(title: string, id: number): RowBuilder {
    this.newLine();
    const row = new RowBuilder(title)
      .id(id)
      .gridPos({ x: 0, y: this.y, w: 24, h: 1 });
    this.y += 1;
    return row;
  }

  private newLine() {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

function query(expr: string, legend?: string, refId = 'A'): DataqueryBuilder {
  const q = new DataqueryBuilder().expr(expr).refId(refId).datasource(DS);
  return legend ? q.legendFormat(legend) : q;
}

function thresholds(
  steps: Array<[number | null, string]>,
): ThresholdsConfigBuilder {
  const built: Threshold[] = steps.map(([value, color]) => ({ value, color }));
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps(built);
}

/** Reduce a series to its last value (stat and bar gauge panels). */
function lastValue() {
  return new common.ReduceDataOptionsBuilder()
    .calcs(['lastNotNull'])
    .fields('')
    .values(false);
}

function timeseries(
  id: number,
  title: string,
  description: string,
  unit: string,
) {
  return new TimeseriesPanelBuilder()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .fillOpacity(10)
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs([]),
    );
}

/** A time series with a dashed threshold line (the alert's threshold). */
function timeseriesWithLimit(
  id: number,
  title: string,
  description: string,
  unit: string,
  limit: number,
) {
  return timeseries(id, title, description, unit)
    .thresholds(
      thresholds([
        [null, 'green'],
        [limit, 'red'],
      ]),
    )
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(
        common.GraphThresholdsStyleMode.Dashed,
      ),
    );
}

function stat(id: number, title: string, description: string, unit: string) {
  return new StatPanelBuilder()
    .id(id)
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(lastValue());
}

function datasourceVariable() {
  return new DatasourceVariableBuilder('datasource')
    .label('Prometheus')
    .type('prometheus')
    .current({ text: 'Prometheus', value: DATASOURCE_UID });
}

/** A `label_values` variable, multi-valued with "All" meaning any value (`.*`). */
function labelVariable(name: string, label: string, metric: string) {
  const definition = `label_values(${metric}, ${name})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query({ query: definition, refId: `${name}-values` })
    .definition(definition)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

function base(uid: string, title: string, description: string) {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(
      new DashboardLinkBuilder('Sandbox portal dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    )
    .withVariable(datasourceVariable());
}

// ---------------------------------------------------------------------------------------------

function portalOverview(): Dashboard {
  const grid = new Grid();
  const sel = `job="${JOB}", instance=~"$instance"`;
  const count = `http_request_duration_seconds_count{${sel}}`;
  const bucket = `http_request_duration_seconds_bucket{${sel}}`;
  const d = base(
    DASHBOARD_UIDS.overview,
    'Sandbox portal / Overview',
    'Availability, HTTP API traffic, latency and errors by backend plugin, and process health of the portal backend.',
  ).withVariable(labelVariable('instance', 'Replica', `up{job="${JOB}"}`));

  d.withRow(grid.row('Availability', 1))
    .withPanel(
      grid
        .place(
          stat(
            2,
            'Replicas up',
            'Backend replicas answering the Prometheus scrape.',
            'none',
          ),
          6,
          4,
        )
        .withTarget(query(`sum(up{${sel}})`))
        .thresholds(
          thresholds([
            [null, 'red'],
            [1, 'green'],
          ]),
        ),
    )
    .withPanel(
      grid
        .place(
          stat(
            3,
            'Requests / s',
            'All HTTP requests served by the backend.',
            'reqps',
          ),
          6,
          4,
        )
        .withTarget(query(`sum(rate(${count}[$__rate_interval]))`)),
    )
    .withPanel(
      grid
        .place(
          stat(
            4,
            '5xx ratio',
            'Share of requests answered with a server error.',
            'percentunit',
          ),
          6,
          4,
        )
        .withTarget(
          query(
            `sum(rate(http_request_duration_seconds_count{${sel}, status_code=~"5.."}[$__rate_interval])) / sum(rate(${count}[$__rate_interval]))`,
          ),
        )
        .noValue('0')
        .thresholds(
          thresholds([
            [null, 'green'],
            [0.01, 'orange'],
            [0.05, 'red'],
          ]),
        ),
    )
    .withPanel(
      grid
        .place(
          stat(
            5,
            'API p95 (slowest plugin)',
            'The highest 95th percentile latency of any /api/<plugin>. Alert: over 200 ms for 10 minutes.',
            's',
          ),
          6,
          4,
        )
        .withTarget(
          query(
            `max(histogram_quantile(0.95, sum by (plugin, le) (rate(http_request_duration_seconds_bucket{${sel}, plugin!="none"}[$__rate_interval]))))`,
          ),
        )
        .thresholds(
          thresholds([
            [null, 'green'],
            [0.2, 'red'],
          ]),
        ),
    );

  d.withRow(grid.row('HTTP API', 10))
    .withPanel(
      grid
        .place(
          timeseries(
            11,
            'Requests by plugin',
            'Requests per second by backend plugin (`none`: static assets, unknown paths, 404s).',
            'reqps',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum by (plugin) (rate(${count}[$__rate_interval]))`,
            '{{plugin}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseriesWithLimit(
            12,
            'p95 latency by plugin',
            'The SandboxPortalApiLatencyHigh alert fires above the line (200 ms) for 10 minutes.',
            's',
            0.2,
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `histogram_quantile(0.95, sum by (plugin, le) (rate(http_request_duration_seconds_bucket{${sel}, plugin!="none"}[$__rate_interval])))`,
            '{{plugin}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            13,
            '5xx ratio by plugin',
            'Share of server errors by plugin.',
            'percentunit',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum by (plugin) (rate(http_request_duration_seconds_count{${sel}, status_code=~"5.."}[$__rate_interval])) / sum by (plugin) (rate(${count}[$__rate_interval]))`,
            '{{plugin}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            14,
            'Responses by status code',
            'Requests per second by HTTP status code.',
            'reqps',
          ),
          12,
          8,
        )
        .stacking(
          new common.StackingConfigBuilder().mode(common.StackingMode.Normal),
        )
        .withTarget(
          query(
            `sum by (status_code) (rate(${count}[$__rate_interval]))`,
            '{{status_code}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            15,
            'p50 latency by plugin',
            'Median latency by plugin.',
            's',
          ),
          24,
          8,
        )
        .withTarget(
          query(
            `histogram_quantile(0.5, sum by (plugin, le) (rate(${bucket}[$__rate_interval])))`,
            '{{plugin}}',
          ),
        ),
    );

  d.withRow(grid.row('Process', 20))
    .withPanel(
      grid
        .place(
          timeseries(
            21,
            'CPU',
            'CPU time used per second, by replica (1 = one core).',
            'short',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `rate(process_cpu_seconds_total{${sel}}[$__rate_interval])`,
            '{{instance}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            22,
            'Resident memory',
            'Resident set size by replica.',
            'bytes',
          ),
          12,
          8,
        )
        .withTarget(
          query(`process_resident_memory_bytes{${sel}}`, '{{instance}}'),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            23,
            'Event loop lag (p99)',
            'Node.js event loop delay, 99th percentile, by replica.',
            's',
          ),
          12,
          8,
        )
        .withTarget(
          query(`nodejs_eventloop_lag_p99_seconds{${sel}}`, '{{instance}}'),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(24, 'Heap used', 'V8 heap in use by replica.', 'bytes'),
          12,
          8,
        )
        .withTarget(
          query(`nodejs_heap_size_used_bytes{${sel}}`, '{{instance}}'),
        ),
    );
  return d.build();
}

function sandboxes(): Dashboard {
  const grid = new Grid();
  const job = `job="${JOB}"`;
  const ws = `workspace=~"$workspace"`;
  const drv = `driver=~"$driver"`;
  const provisions = `sandbox_provision_duration_seconds_count{${job}, ${drv}}`;
  const byState = (state: string) =>
    `sum(max by (workspace, state) (sandboxes{${job}, ${ws}, state="${state}"}))`;

  const d = base(
    DASHBOARD_UIDS.sandboxes,
    'Sandbox portal / Sandboxes',
    'The sandbox fleet: states, provisioning time and failures, quota rejections, reconciler and driver health, and the resources of one sandbox.',
  )
    .withVariable(labelVariable('workspace', 'Workspace', `sandboxes{${job}}`))
    .withVariable(
      labelVariable(
        'driver',
        'Driver',
        `sandbox_provision_duration_seconds_count{${job}}`,
      ),
    )
    .withVariable(
      new TextBoxVariableBuilder('sandbox')
        .label('Sandbox id')
        .description(
          'A sandbox id (portal.sandbox/id) for the "One sandbox" row; the portal links here with var-sandbox=<id>.',
        )
        .defaultValue('')
        .hide(VariableHide.DontHide),
    );

  d.withRow(grid.row('Fleet', 1))
    .withPanel(
      grid
        .place(stat(2, 'Running', 'Sandboxes running now.', 'none'), 6, 4)
        .withTarget(query(byState('running')))
        .noValue('0'),
    )
    .withPanel(
      grid
        .place(
          stat(3, 'Failed', 'Sandboxes in the failed state.', 'none'),
          6,
          4,
        )
        .withTarget(query(byState('failed')))
        .noValue('0')
        .thresholds(
          thresholds([
            [null, 'green'],
            [1, 'orange'],
          ]),
        ),
    )
    .withPanel(
      grid
        .place(
          stat(
            4,
            'Provisioned',
            'Successful provisions in the selected time range.',
            'none',
          ),
          6,
          4,
        )
        .withTarget(
          query(
            `sum(increase(sandbox_provision_duration_seconds_count{${job}, ${drv}, outcome="success"}[$__range]))`,
          ),
        )
        .decimals(0)
        .noValue('0'),
    )
    .withPanel(
      grid
        .place(
          stat(
            5,
            'Provisioning failure ratio',
            'Failed provisions / all provisions in the selected time range. Alert: over 20 % over 30 minutes.',
            'percentunit',
          ),
          6,
          4,
        )
        .withTarget(
          query(
            `sum(increase(sandbox_provision_duration_seconds_count{${job}, ${drv}, outcome="failure"}[$__range])) / sum(increase(${provisions}[$__range]))`,
          ),
        )
        .noValue('0')
        .thresholds(
          thresholds([
            [null, 'green'],
            [0.05, 'orange'],
            [0.2, 'red'],
          ]),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            6,
            'Sandboxes by state',
            'Sandboxes by state (deleted ones excluded).',
            'none',
          ),
          24,
          8,
        )
        .stacking(
          new common.StackingConfigBuilder().mode(common.StackingMode.Normal),
        )
        .withTarget(
          query(
            `sum by (state) (max by (workspace, state) (sandboxes{${job}, ${ws}}))`,
            '{{state}}',
          ),
        ),
    );

  d.withRow(grid.row('Provisioning', 10))
    .withPanel(
      grid
        .place(
          timeseriesWithLimit(
            11,
            'Time to running (p95 and p50) by driver',
            'Successful provisions only. The SandboxProvisioningSlow alert fires when the 30 minute p95 stays above the line (2 minutes).',
            's',
            120,
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `histogram_quantile(0.95, sum by (driver, le) (rate(sandbox_provision_duration_seconds_bucket{${job}, ${drv}, outcome="success"}[$__rate_interval])))`,
            'p95 {{driver}}',
          ),
        )
        .withTarget(
          query(
            `histogram_quantile(0.5, sum by (driver, le) (rate(sandbox_provision_duration_seconds_bucket{${job}, ${drv}, outcome="success"}[$__rate_interval])))`,
            'p50 {{driver}}',
            'B',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            12,
            'Provisions by driver and outcome',
            'Provisions per minute.',
            'opm',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum by (driver, outcome) (rate(${provisions}[$__rate_interval])) * 60`,
            '{{driver}} {{outcome}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            13,
            'Time to running (p95) by template',
            'Successful provisions only.',
            's',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `histogram_quantile(0.95, sum by (template, le) (rate(sandbox_provision_duration_seconds_bucket{${job}, ${drv}, outcome="success"}[$__rate_interval])))`,
            '{{template}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            14,
            'Quota rejections',
            'Creates and starts refused because a workspace quota would be exceeded, per minute.',
            'opm',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum by (workspace, resource) (rate(sandbox_quota_rejections_total{${job}, ${ws}}[$__rate_interval])) * 60`,
            '{{workspace}} {{resource}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            15,
            'Scaffolder sandbox actions (p95)',
            'Duration of the sandbox:* scaffolder actions by action and outcome.',
            's',
          ),
          24,
          8,
        )
        .withTarget(
          query(
            `histogram_quantile(0.95, sum by (action, outcome, le) (rate(scaffolder_sandbox_action_duration_seconds_bucket{${job}}[$__rate_interval])))`,
            '{{action}} {{outcome}}',
          ),
        ),
    );

  d.withRow(grid.row('Reconciler and drivers', 30))
    .withPanel(
      grid
        .place(
          timeseries(
            31,
            'Reconciler runs',
            'Runs per minute by outcome. SandboxReconcilerFailing fires when only errors are seen for 30 minutes.',
            'opm',
          ),
          8,
          8,
        )
        .withTarget(
          query(
            `sum by (outcome) (rate(sandbox_reconciler_runs_total{${job}}[$__rate_interval])) * 60`,
            '{{outcome}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            32,
            'Drift repaired',
            'Differences between database and runtime the reconciler repaired, by kind. SandboxReconcilerDrift fires on 3 lost or orphan sandboxes in an hour.',
            'none',
          ),
          8,
          8,
        )
        .drawStyle(common.GraphDrawStyle.Bars)
        .withTarget(
          query(
            `sum by (kind) (increase(sandbox_reconciler_drift_total{${job}}[$__rate_interval]))`,
            '{{kind}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            33,
            'Driver errors',
            'Errors returned by the sandbox driver per minute, by driver and operation.',
            'opm',
          ),
          8,
          8,
        )
        .withTarget(
          query(
            `sum by (driver, operation) (rate(sandbox_driver_errors_total{${job}, ${drv}}[$__rate_interval])) * 60`,
            '{{driver}} {{operation}}',
          ),
        ),
    );

  // Sandbox workspace backups (plugins/sandbox-backend/src/backups/metrics.ts). The freshness
  // gauge is read from the database: every replica reports the same value, hence max by.
  d.withRow(grid.row('Backups', 50))
    .withPanel(
      grid
        .place(
          stat(
            51,
            'Longest without a backup',
            'Of the sandboxes a backup schedule covers: the longest time since a complete backup. SandboxBackupsStale fires over 26 hours.',
            's',
          )
            .thresholds(
              thresholds([
                [null, 'green'],
                [26 * 3600, 'red'],
              ]),
            )
            .noValue('no schedule'),
          6,
          8,
        )
        .withTarget(
          query(
            `max(time() - max by (workspace, sandbox) (sandbox_backup_newest_complete_timestamp_seconds{${job}, ${ws}}))`,
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            52,
            'Backups by trigger and outcome',
            'Backups made per interval. SandboxBackupsFailing fires on any failed scheduled backup in the last hour.',
            'none',
          ),
          6,
          8,
        )
        .drawStyle(common.GraphDrawStyle.Bars)
        .withTarget(
          query(
            `sum by (trigger, outcome) (increase(sandbox_backup_operations_total{${job}, operation="backup"}[$__rate_interval]))`,
            '{{trigger}} {{outcome}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            53,
            'Backup and restore duration (p95)',
            '95th percentile duration of backups and restores, by operation.',
            's',
          ),
          6,
          8,
        )
        .withTarget(
          query(
            `histogram_quantile(0.95, sum by (operation, le) (rate(sandbox_backup_duration_seconds_bucket{${job}}[1h])))`,
            '{{operation}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            54,
            'Backup bytes written per hour',
            'Bytes of complete backups per hour, by workspace.',
            'bytes',
          ),
          6,
          8,
        )
        .withTarget(
          query(
            `sum by (workspace) (increase(sandbox_backup_size_bytes_sum{${job}, ${ws}}[1h]))`,
            '{{workspace}}',
          ),
        ),
    );

  // cAdvisor on the Docker sandbox hosts exports the container label portal.sandbox/id as
  // container_label_portal_sandbox_id (scrape job sandbox-hosts-cadvisor).
  const one = `container_label_portal_sandbox_id="$sandbox"`;
  d.withRow(grid.row('One sandbox ($sandbox)', 40))
    .withPanel(
      grid
        .place(
          timeseries(
            SANDBOX_PANELS.cpu,
            'CPU of sandbox $sandbox',
            'CPU used by the sandbox container (1 = one core), from cAdvisor on the sandbox host.',
            'short',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum(rate(container_cpu_usage_seconds_total{${one}}[$__rate_interval]))`,
            'CPU',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            SANDBOX_PANELS.memory,
            'Memory of sandbox $sandbox',
            'Working set of the sandbox container, from cAdvisor on the sandbox host.',
            'bytes',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum(container_memory_working_set_bytes{${one}})`,
            'working set',
          ),
        ),
    );
  return d.build();
}

function workspaceUsage(): Dashboard {
  const grid = new Grid();
  const job = `job="${JOB}"`;
  const ws = `workspace=~"$workspace"`;
  const d = base(
    DASHBOARD_UIDS.workspaces,
    'Sandbox portal / Workspace usage and billing',
    'Per workspace: running sandboxes, sandbox-hours, quota rejections and budget; billing ingestion health.',
  ).withVariable(labelVariable('workspace', 'Workspace', `sandboxes{${job}}`));

  d.withRow(grid.row('Budget', 1))
    .withPanel(
      grid.place(
        new BarGaugePanelBuilder()
          .id(2)
          .title('Budget used')
          .description(
            'Share of each workspace budget used in the current period. SandboxWorkspaceBudgetExceeded fires at 100 %.',
          )
          .datasource(DS)
          .unit('percentunit')
          .min(0)
          .max(1.2)
          .displayMode(common.BarGaugeDisplayMode.Gradient)
          .orientation(common.VizOrientation.Horizontal)
          .reduceOptions(lastValue())
          .thresholds(
            thresholds([
              [null, 'green'],
              [0.8, 'orange'],
              [1, 'red'],
            ]),
          )
          .withTarget(
            query(
              `max by (workspace) (sandbox_workspace_budget_used_ratio{${job}, ${ws}})`,
              '{{workspace}}',
            ),
          ),
        12,
        8,
      ),
    )
    .withPanel(
      grid.place(
        new BarGaugePanelBuilder()
          .id(3)
          .title('Sandbox-hours in range')
          .description(
            'Running sandboxes integrated over the selected time range (5 minute resolution).',
          )
          .datasource(DS)
          .unit('h')
          .displayMode(common.BarGaugeDisplayMode.Basic)
          .orientation(common.VizOrientation.Horizontal)
          .reduceOptions(lastValue())
          .withTarget(
            query(
              `avg_over_time((max by (workspace) (sandboxes{${job}, ${ws}, state="running"}))[$__range:5m]) * $__range_s / 3600`,
              '{{workspace}}',
            ).instant(),
          ),
        12,
        8,
      ),
    )
    .withPanel(
      grid
        .place(
          timeseriesWithLimit(
            4,
            'Budget used over time',
            'Share of the budget used, by workspace.',
            'percentunit',
            1,
          ),
          24,
          8,
        )
        .withTarget(
          query(
            `max by (workspace) (sandbox_workspace_budget_used_ratio{${job}, ${ws}})`,
            '{{workspace}}',
          ),
        ),
    );

  d.withRow(grid.row('Usage', 10))
    .withPanel(
      grid
        .place(
          timeseries(
            11,
            'Running sandboxes by workspace',
            'Sandboxes in the running state.',
            'none',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `max by (workspace) (sandboxes{${job}, ${ws}, state="running"})`,
            '{{workspace}}',
          ),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            12,
            'Quota rejections by workspace',
            'Creates and starts refused by quota, per minute, by workspace and resource.',
            'opm',
          ),
          12,
          8,
        )
        .withTarget(
          query(
            `sum by (workspace, resource) (rate(sandbox_quota_rejections_total{${job}, ${ws}}[$__rate_interval])) * 60`,
            '{{workspace}} {{resource}}',
          ),
        ),
    );

  d.withRow(grid.row('Billing pipeline', 20))
    .withPanel(
      grid
        .place(
          stat(
            21,
            'Usage ledger lag',
            'Age of the oldest usage record not yet rated into the ledger.',
            's',
          ),
          8,
          6,
        )
        .withTarget(query(`max(sandbox_usage_ledger_lag_seconds{${job}})`))
        .thresholds(
          thresholds([
            [null, 'green'],
            [300, 'orange'],
            [3600, 'red'],
          ]),
        ),
    )
    .withPanel(
      grid
        .place(
          timeseries(
            22,
            'Billing records ingested',
            'Usage records ingested by billing, per minute.',
            'opm',
          ),
          16,
          6,
        )
        .withTarget(
          query(
            `sum(rate(billing_ingested_records_total{${job}}[$__rate_interval])) * 60`,
            'records',
          ),
        ),
    );
  return d.build();
}

export const DASHBOARDS: Record<string, () => Dashboard> = {
  'portal-overview': portalOverview,
  sandboxes,
  'workspace-usage': workspaceUsage,
};

// prettier 2 (root devDependency) ships no types; only `format` is used.
const prettier = createRequire(import.meta.url)('prettier') as {
  format(source: string, options: { parser: string }): string;
};

/**
 * The JSON text of a dashboard exactly as committed: formatted by the repository's prettier, so
 * `yarn prettier:check` and lint-staged leave the generated files alone.
 */
export function render(dashboard: Dashboard): string {
  return prettier.format(JSON.stringify(dashboard), { parser: 'json' });
}

function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = resolve(
    values.out ?? join(import.meta.dirname, '../k8s/observability/dashboards'),
  );
  mkdirSync(out, { recursive: true });
  for (const [name, build] of Object.entries(DASHBOARDS)) {
    const file = join(out, `${name}.json`);
    writeFileSync(file, render(build()));
    console.log(`wrote ${file}`);
  }
}

main();
