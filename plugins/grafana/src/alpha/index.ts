export { grafanaPlugin as default } from './plugin';
export {
  grafanaPanelsEntityCard,
  grafanaDashboardsEntityCard,
} from './entityCards';
