import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { sandboxScaffolderModule } from '@internal/plugin-sandbox';

export default createApp({
  // sandboxScaffolderModule: the OllamaModelPicker field of the Ollama sandbox template
  features: [catalogPlugin, navModule, homeModule, sandboxScaffolderModule],
});
