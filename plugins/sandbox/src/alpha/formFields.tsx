import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { createFormField, FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

/** The `OllamaModelPicker` scaffolder field (used by the Ollama sandbox template). */
export const ollamaModelPickerFormField = FormFieldBlueprint.make({
  name: 'ollama-model-picker',
  params: {
    field: () =>
      import('../components/OllamaModelPicker').then(m =>
        createFormField({ name: 'OllamaModelPicker', component: m.OllamaModelPicker }),
      ),
  },
});

/** Adds the sandbox form fields to the scaffolder plugin. */
export const sandboxScaffolderModule = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [ollamaModelPickerFormField],
});
