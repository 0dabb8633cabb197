import { useTheme } from '@material-ui/core/styles';
import { GrafanaPanelRef, grafanaPanelUrl } from '../../lib/urls';

/**
 * One embedded Grafana panel (`d-solo`). The iframe is sandboxed: Grafana's scripts, its session
 * cookie (same origin) and its login form work, but the panel cannot navigate the portal.
 */
export function GrafanaPanel(props: {
  baseUrl: string;
  panel: GrafanaPanelRef;
  title?: string;
  height?: number;
}) {
  const { baseUrl, panel, height = 300 } = props;
  const theme = useTheme();
  const src = grafanaPanelUrl(baseUrl, panel, { theme: theme.palette.type });
  return (
    <iframe
      title={
        props.title ??
        `Grafana panel ${panel.panelId} of dashboard ${panel.dashboardUid}`
      }
      src={src}
      width="100%"
      height={height}
      loading="lazy"
      style={{ border: 0, display: 'block' }}
      sandbox="allow-scripts allow-same-origin allow-popups allow-forms"
      data-testid="grafana-panel"
    />
  );
}
