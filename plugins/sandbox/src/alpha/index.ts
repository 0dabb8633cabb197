export { sandboxPlugin as default } from './plugin';
export { sandboxApi } from './apis';
export {
  sandboxListPage,
  sandboxDetailPage,
  sandboxWorkspacesPage,
  sandboxWorkspacePage,
  sandboxAuditPage,
} from './pages';
export { sandboxStatusEntityCard } from './entityCards';
export { sandboxScaffolderModule, ollamaModelPickerFormField } from './formFields';
