import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { sandboxScaffolderModule } from '@internal/plugin-sandbox';
import billingPlugin from '@internal/plugin-billing';

export default createApp({
  // sandboxScaffolderModule: the OllamaModelPicker field of the Ollama sandbox template;
  // billingPlugin: /billing, its nav item and the Billing card of Group pages (also discovered
  // through app.packages; createApp keeps one copy per plugin id)
  features: [catalogPlugin, navModule, homeModule, sandboxScaffolderModule, billingPlugin],
});
