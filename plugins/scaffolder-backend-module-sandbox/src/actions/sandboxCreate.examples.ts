import { TemplateExample } from '@backstage/plugin-scaffolder-node';

// Written as YAML text rather than with yaml.stringify: `yaml` is only a devDependency here.
export const examples: TemplateExample[] = [
  {
    description: 'Create a small Python sandbox in the default workspace.',
    example: `steps:
  - id: create
    action: sandbox:create
    name: Create sandbox
    input:
      name: my-python-box
      template: python
`,
  },
  {
    description:
      'Create a medium Node.js sandbox that clones a repository, lives 8 hours and stops after 30 idle minutes.',
    example: `steps:
  - id: create
    action: sandbox:create
    name: Create sandbox
    input:
      name: web-shop
      workspace: team-a
      template: node
      size: medium
      repoUrl: https://github.com/example/web-shop.git
      repoRef: main
      network: true
      ttlHours: 8
      idleTimeoutMinutes: 30
      labels:
        project: web-shop
      ownerGroup: group:default/team-a
`,
  },
  {
    description:
      'Create an Ollama sandbox with network access and a model to use, waiting up to 10 minutes.',
    example: `steps:
  - id: create
    action: sandbox:create
    name: Create sandbox
    input:
      name: llm-lab
      template: ollama
      size: large
      network: true
      env:
        OLLAMA_MODEL: llama3.2
      waitTimeoutSeconds: 600
      pollIntervalMs: 2000
`,
  },
];
