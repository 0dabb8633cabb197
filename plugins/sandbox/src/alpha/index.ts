export { sandboxPlugin as default } from './plugin';
export { sandboxApi } from './apis';
export { sandboxListPage, sandboxDetailPage } from './pages';
export { sandboxStatusEntityCard } from './entityCards';
